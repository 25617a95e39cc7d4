/**
 * Baton's light markup (*bold*, `code`) is already Slack mrkdwn; what needs
 * care is escaping and turning user and channel ids into mentions Slack shows
 * as names.
 * https://docs.slack.dev/messaging/formatting-message-text
 */

/** Slack reads `<`, `>` and `&` as control characters; they must be escaped in every text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack user ids (U…/W…) become mentions, so people read names, not ids. */
const USER_ID = /\b([UW][A-Z0-9]{8,})\b/g;

/** A channel id (C…/G…) as message.ts's channelText writes it becomes a link Slack shows by name. */
const CHANNEL_ID = /(?<![\w/])#([CG][A-Z0-9]{8,})\b/g;

/** An instant as Baton writes it: in messages "2026-11-03 14:05 UTC" (core/time-text.ts), in records ISO 8601. */
const INSTANT = /\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b| \d{2}:\d{2} UTC\b)/g;

/** Slack shows a date token in each reader's own time zone; the UTC text is the fallback. */
function dateToken(text: string): string {
  const minutesOnly = text.endsWith(' UTC');
  const seconds = Math.floor(Date.parse(minutesOnly ? `${text.slice(0, 16).replace(' ', 'T')}:00Z` : text) / 1000);
  return Number.isNaN(seconds)
    ? text
    : `<!date^${seconds}^{date_short_pretty} ${minutesOnly ? '{time}' : '{time_secs}'}|${text}>`;
}

export function toMrkdwn(text: string): string {
  return escapeMrkdwn(text).replace(USER_ID, '<@$1>').replace(CHANNEL_ID, '<#$1>').replace(INSTANT, dateToken);
}
