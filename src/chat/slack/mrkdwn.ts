/**
 * Baton's light markup (*bold*, `code`) is already Slack mrkdwn; what needs
 * care is escaping and turning user ids into mentions Slack shows as names.
 * https://docs.slack.dev/messaging/formatting-message-text
 */

/** Slack reads `<`, `>` and `&` as control characters; they must be escaped in every text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack user ids (U…/W…) become mentions, so people read names, not ids. */
const USER_ID = /\b([UW][A-Z0-9]{8,})\b/g;

export function toMrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(USER_ID, '<@$1>');
}
