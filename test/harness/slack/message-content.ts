/**
 * The content checks every way of posting shares (chat.postMessage,
 * chat.update, chat.postEphemeral, response_url, a file's share message):
 * blocks must parse and keep to Block Kit's limits, text at most 40,000
 * characters, something to show at all.
 */
import { SlackApiError, withMessages } from './api-error.ts';
import { MAX_ATTACHMENTS, MAX_MESSAGE_TEXT, messageBlockProblems } from './block-limits.ts';
import type { MessageContent } from './messages.ts';
import { jsonArg, stringArg, type Args } from './request-body.ts';

/** The fields given, checked; `required` also refuses a message with nothing to show (`no_text`). */
export function checkedContent(args: Args, required: boolean): Partial<MessageContent> {
  const content: Partial<MessageContent> = {};
  const text = stringArg(args, 'text');
  if (text !== undefined) {
    if (Array.from(text).length > MAX_MESSAGE_TEXT) throw new SlackApiError('msg_too_long');
    content.text = text;
  }
  const blocks = jsonArg(args, 'blocks');
  if (blocks.present) {
    if ('invalid' in blocks || !Array.isArray(blocks.value)) throw new SlackApiError('invalid_blocks_format');
    const problems = messageBlockProblems(blocks.value);
    if (problems.length > 0) throw withMessages('invalid_blocks', problems, { errorsField: true });
    content.blocks = blocks.value;
  }
  const attachments = jsonArg(args, 'attachments');
  if (attachments.present) {
    if ('invalid' in attachments || !Array.isArray(attachments.value)) throw new SlackApiError('invalid_attachments');
    if (attachments.value.length > MAX_ATTACHMENTS) throw new SlackApiError('too_many_attachments');
    content.attachments = attachments.value;
  }
  const empty =
    (content.text ?? '') === '' && (content.blocks ?? []).length === 0 && (content.attachments ?? []).length === 0;
  if (required && empty) throw new SlackApiError('no_text');
  return content;
}

export function fullContent(content: Partial<MessageContent>): MessageContent {
  return { text: content.text ?? '', blocks: content.blocks ?? [], attachments: content.attachments ?? [] };
}
