/**
 * Posts, threads and updates Baton's messages in Slack through the Web API.
 * Slack's answers become Baton's terms: a 429 is a ChatRateLimitedError
 * carrying Retry-After (the outbox waits it out), and a message Slack refuses
 * to render is posted again as plain text rather than lost.
 */
import { ErrorCode as SlackErrorCode, type WebClient } from '@slack/web-api';
import type { Logger } from '../../core/ports.ts';
import { ChatRateLimitedError, errorMessage } from '../../errors.ts';
import type { ChatOut, MessageRef } from '../contract.ts';
import type { ChatMessage } from '../message.ts';
import { renderBlockKit, type SlackMessage } from './block-kit.ts';

/** Slack errors that mean "these blocks cannot be shown", not "try later". */
const UNRENDERABLE = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'too_many_attachments']);

/** Waits out rate limits on a full-plan attachment; after this many, the attachment is given up and said so. */
const ATTACHMENT_ATTEMPTS = 5;

interface SlackCallError {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
}

function asSlackError(error: unknown): SlackCallError {
  return typeof error === 'object' && error !== null ? (error as SlackCallError) : {};
}

function isRateLimited(error: unknown): boolean {
  return asSlackError(error).code === SlackErrorCode.RateLimitedError;
}

function retryAfterMs(error: unknown): number {
  return Math.max(1, asSlackError(error).retryAfter ?? 1) * 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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

  async post(channel: string, message: ChatMessage): Promise<MessageRef> {
    const rendered = renderBlockKit(message);
    const result = await this.send(rendered, (content) => this.client.chat.postMessage({ channel, ...content }));
    const ref = { channel: result.channel ?? channel, messageId: result.ts ?? '' };
    if (rendered.overflow) await this.attachOnce(ref, rendered.overflow);
    return ref;
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const rendered = renderBlockKit(message);
    await this.send(rendered, (content) => this.client.chat.update({ channel: ref.channel, ts: ref.messageId, ...content }));
    if (rendered.overflow) await this.attachOnce(ref, rendered.overflow);
  }

  async reply(thread: MessageRef, message: ChatMessage): Promise<MessageRef> {
    const rendered = renderBlockKit(message);
    const result = await this.send(rendered, (content) =>
      this.client.chat.postMessage({ channel: thread.channel, thread_ts: thread.messageId, ...content }),
    );
    const ref = { channel: result.channel ?? thread.channel, messageId: result.ts ?? '' };
    if (rendered.overflow) await this.attachOnce(ref, rendered.overflow, thread);
    return ref;
  }

  private async send<T>(rendered: SlackMessage, call: (content: Pick<SlackMessage, 'text' | 'blocks'>) => Promise<T>): Promise<T> {
    try {
      return await call({ text: rendered.text, blocks: rendered.blocks });
    } catch (error) {
      if (isRateLimited(error)) throw new ChatRateLimitedError(retryAfterMs(error));
      const slackError = asSlackError(error).data?.error;
      if (!slackError || !UNRENDERABLE.has(slackError)) throw error;
      this.logger.error({ slackError, blocks: rendered.blocks.length }, 'Slack refused the blocks; posting the message as plain text');
      return await call({ text: rendered.text, blocks: [] }).catch((retryError: unknown) => {
        throw isRateLimited(retryError) ? new ChatRateLimitedError(retryAfterMs(retryError)) : retryError;
      });
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
