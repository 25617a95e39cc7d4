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

/** An instant as Baton writes it (ISO 8601, UTC). */
const INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g;

/** Slack shows a date token in each reader's own time zone; the ISO text is the fallback. */
function dateToken(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isNaN(seconds) ? iso : `<!date^${seconds}^{date_short_pretty} {time_secs}|${iso}>`;
}

export function toMrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(USER_ID, '<@$1>').replace(INSTANT, dateToken);
}
