/**
 * Baton's light markup in Discord's: `*bold*` is `**bold**` there (a single
 * star is italics), `code` is the same. User ids become mentions, so people
 * read names; the caller decides who a mention may notify (allowed_mentions).
 * A channel id written as `#id` becomes a link to the channel.
 * https://discord.com/developers/docs/reference#message-formatting
 */

/** Discord user ids: snowflakes of 17 to 20 digits. */
const USER_ID = /(?<![\d<@&#])(\d{17,20})(?!\d)/g;

/** A channel as message.ts's channelText writes it. */
const CHANNEL_ID = /(?<![\\\w/])#(\d{17,20})(?!\d)/g;

const BOLD = /(?<![*\w])\*([^*\n]+)\*(?![*\w])/g;

/** Markdown Baton never writes, which text from people (a reason, a release name) must not bring in: links, headings, quotes, subtext. */
const FOREIGN_MARKDOWN = /(\[|\]|^#|^>|^-#)/gm;

export function toDiscordMarkdown(text: string): string {
  return text
    .replace(FOREIGN_MARKDOWN, '\\$1')
    .replace(BOLD, '**$1**')
    .replace(USER_ID, '<@$1>')
    .replace(CHANNEL_ID, '<#$1>');
}
