/**
 * Posts, threads and updates Baton's messages in Slack through the Web API.
 * Slack's answers become Baton's terms (see slack-errors.ts): a 429 carries
 * Retry-After for the outbox to wait out, a channel the bot cannot post to
 * holds its messages back, and a message Slack refuses to render is posted
 * again as plain text, with its full text attached, rather than lost.
 */
import type { MessageRef } from '../../core/model.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../core/capabilities.ts';
import { errorMessage } from '../../errors.ts';
import type { ChatOut } from '../contract.ts';
import { clip, messagePlainText, type ChatMessage } from '../message.ts';
import { renderBlockKit, type SlackMessage } from './block-kit.ts';
import { isRateLimited, retryAfterMs, slackError, translateSlackError } from './slack-errors.ts';

/** What a refused message is posted as instead: its first lines, the rest in the attached file. */
const PLAIN_SUMMARY_LENGTH = 3_000;

/** Waits out rate limits on a full-plan attachment; after this many, the attachment is given up and said so. */
const ATTACHMENT_ATTEMPTS = 5;

/** Messages remembered as already having their full text attached; the oldest are forgotten first. */
const REMEMBERED_ATTACHMENTS = 10_000;

export class SlackChat implements ChatOut {
  /**
   * A plan message grows as it is planned and updated; its full text is
   * attached the first time it no longer fits, not again on every update.
   */
  private readonly attached = new Set<string>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  fits(message: ChatMessage): boolean {
    return renderBlockKit(message).overflow === undefined;
  }

  async post(channel: string, message: ChatMessage): Promise<MessageRef> {
    const rendered = renderBlockKit(message);
    const { result, fullText } = await this.send(channel, message, rendered, (content) =>
      this.client.chat.postMessage({ channel, ...content }),
    );
    const ref = { channel: result.channel ?? channel, messageId: result.ts ?? '' };
    if (fullText) await this.attachOnce(ref, fullText);
    return ref;
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const rendered = renderBlockKit(message);
    const { fullText } = await this.send(
      ref.channel,
      message,
      rendered,
      (content) => this.client.chat.update({ channel: ref.channel, ts: ref.messageId, ...content }),
      'update',
    );
    if (fullText) await this.attachOnce(ref, fullText);
  }

  async reply(thread: MessageRef, message: ChatMessage): Promise<MessageRef> {
    const rendered = renderBlockKit(message);
    const { result, fullText } = await this.send(thread.channel, message, rendered, (content) =>
      this.client.chat.postMessage({ channel: thread.channel, thread_ts: thread.messageId, ...content }),
    );
    const ref = { channel: result.channel ?? thread.channel, messageId: result.ts ?? '' };
    if (fullText) await this.attachOnce(ref, fullText, thread);
    return ref;
  }

  /**
   * Sends the blocks; blocks Slack refuses (`msg_too_long`, `invalid_blocks`)
   * go again as a short plain-text summary. `fullText` is what to attach:
   * the whole message whenever what Slack shows leaves part of it out.
   */
  private async send<T>(
    channel: string,
    message: ChatMessage,
    rendered: SlackMessage,
    call: (content: Pick<SlackMessage, 'text' | 'blocks'>) => Promise<T>,
    kind: 'post' | 'update' = 'post',
  ): Promise<{ result: T; fullText: string | undefined }> {
    try {
      return { result: await call({ text: rendered.text, blocks: rendered.blocks }), fullText: rendered.overflow };
    } catch (error) {
      const refused = translateSlackError(error, channel, kind);
      if (refused) throw refused;
      this.logger.error(
        { slackError: slackError(error), blocks: rendered.blocks.length },
        'Slack refused the message; posting a plain-text summary with the full text attached',
      );
      const summary = clip(message.text, PLAIN_SUMMARY_LENGTH);
      try {
        return { result: await call({ text: summary, blocks: [] }), fullText: messagePlainText(message) };
      } catch (retryError) {
        throw translateSlackError(retryError, channel, kind) ?? retryError;
      }
    }
  }

  /** `message` holds the summary; the file goes in `thread` (the message's own thread unless it is a reply). */
  private async attachOnce(message: MessageRef, text: string, thread: MessageRef = message): Promise<void> {
    const key = `${message.channel}/${message.messageId}`;
    if (this.attached.has(key)) return;
    this.attached.add(key);
    if (this.attached.size > REMEMBERED_ATTACHMENTS) this.attached.delete(this.attached.values().next().value ?? key);
    await this.attachFullText(thread, text);
  }

  /**
   * The message is already out, so a failure here must not fail the post (the
   * outbox would post the message twice): rate limits are waited out, and a
   * lasting failure is said in the thread and logged.
   */
  private async attachFullText(thread: MessageRef, text: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.files.uploadV2({
          channel_id: thread.channel,
          thread_ts: thread.messageId,
          filename: 'baton-full-text.txt',
          title: 'Full text',
          content: text,
        });
        return;
      } catch (error) {
        if (isRateLimited(error) && attempt < ATTACHMENT_ATTEMPTS) {
          await sleep(retryAfterMs(error));
          continue;
        }
        this.logger.error({ err: error }, 'could not attach the full text of a long message');
        await this.client.chat
          .postMessage({
            channel: thread.channel,
            thread_ts: thread.messageId,
            text: `The full text of the message above could not be attached (${errorMessage(error)}); it shows a summary.`,
          })
          .catch(() => undefined);
        return;
      }
    }
  }
}
