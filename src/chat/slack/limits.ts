/**
 * Slack's documented limits on what a message may hold. Slack rejects a
 * message that breaks one (`invalid_blocks`), so the renderer keeps inside them.
 * https://docs.slack.dev/reference/block-kit/blocks
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  headerText: 150,
  contextText: 2000,
  buttonText: 75,
  buttonValue: 2000,
  /** The top-level `text` may be 40,000 characters; notifications show far less. */
  fallbackText: 3000,
} as const;
