/**
 * Posts, threads and updates Baton's messages in Discord through its REST
 * API. A promotion's thread is started from its plan message (a thread's id
 * is then the message's id); a message Discord refuses to render is posted
 * again as plain text rather than lost. Rate limits are waited out by the
 * REST client, per route bucket and globally, before anything is sent.
 */
import type { MessageRef } from '../../core/model.ts';
import { createHash } from 'node:crypto';
import {
  DiscordAPIError,
  Routes,
  type APIMessage,
  type REST,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { Logger } from '../../core/capabilities.ts';
import { errorMessage } from '../../errors.ts';
import type { ChatOut } from '../contract.ts';
import { clip, messagePlainText, type ChatMessage } from '../message.ts';
import { translateDiscordError } from './discord-errors.ts';
import type { DiscordChannels } from './channels.ts';
import { renderDiscordMessage, type DiscordMessage } from './discord-message.ts';
import { DISCORD_LIMITS } from './limits.ts';

/** Discord's code for "a thread already exists on this message". */
const THREAD_ALREADY_CREATED = 160004;

/** Discord notifies at most this many users a message names. */
const MAX_NOTIFIED = 100;

/** Only the people a message means to notify (approvers asked to act); never a role, @everyone or someone a reason names. */
function allowedMentions(message: ChatMessage): RESTPostAPIChannelMessageJSONBody['allowed_mentions'] {
  return { parse: [], users: (message.mentions ?? []).slice(0, MAX_NOTIFIED) };
}

const THREAD_NAME_LENGTH = 100;

/** Threads known to exist, and messages whose full text was attached; the oldest are forgotten first. */
const REMEMBERED = 10_000;

function remember(set: Set<string>, key: string): void {
  set.add(key);
  if (set.size > REMEMBERED) set.delete(set.values().next().value ?? key);
}

function bodyOf(rendered: DiscordMessage, message: ChatMessage): RESTPostAPIChannelMessageJSONBody {
  return {
    content: rendered.content || (rendered.embeds.length === 0 ? clip(message.text, DISCORD_LIMITS.content) : ''),
    embeds: rendered.embeds,
    components: rendered.components,
    allowed_mentions: allowedMentions(message),
  };
}

/** Discord's longest nonce. */
const NONCE_LENGTH = 25;

/**
 * A message Discord creates at most once: the REST client retries a create
 * that got a 5xx or timed out, and the outbox posts again after an error, yet
 * the message may have been made. With enforce_nonce Discord returns the first
 * one instead. The nonce is the message's own digest: every message Baton
 * posts says something of its own (a record's number, a promotion's id).
 */
function once(channelId: string, body: RESTPostAPIChannelMessageJSONBody): RESTPostAPIChannelMessageJSONBody {
  const nonce = createHash('sha256')
    .update(channelId)
    .update(JSON.stringify(body))
    .digest('base64url')
    .slice(0, NONCE_LENGTH);
  return { ...body, nonce, enforce_nonce: true };
}

export class DiscordChat implements ChatOut {
  private readonly threads = new Set<string>();
  private readonly attached = new Set<string>();

  constructor(
    private readonly rest: REST,
    private readonly channels: DiscordChannels,
    private readonly logger: Logger,
  ) {}

  fits(message: ChatMessage): boolean {
    return renderDiscordMessage(message).overflow === undefined;
  }

  async post(channel: string, message: ChatMessage): Promise<MessageRef> {
    const channelId = await this.channels.idOf(channel).catch((error: unknown) => {
      throw translateDiscordError(error, channel, 'post') ?? error;
    });
    const rendered = renderDiscordMessage(message);
    const { sent, fullText } = await this.send(channel, message, rendered, (body) =>
      this.rest.post(Routes.channelMessages(channelId), { body: once(channelId, body) }),
    );
    const ref = { channel: channelId, messageId: sent.id };
    if (fullText) await this.attachOnce(ref, fullText, message);
    return ref;
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    const rendered = renderDiscordMessage(message);
    const { fullText } = await this.send(
      ref.channel,
      message,
      rendered,
      (body) => this.rest.patch(Routes.channelMessage(ref.channel, ref.messageId), { body }),
      'update',
    );
    if (fullText) await this.attachOnce(ref, fullText, message);
  }

  async reply(thread: MessageRef, message: ChatMessage): Promise<MessageRef> {
    const threadId = await this.threadOf(thread, message).catch((error: unknown) => {
      throw translateDiscordError(error, thread.channel, 'post') ?? error;
    });
    const rendered = renderDiscordMessage(message);
    const { sent, fullText } = await this.send(
      threadId,
      message,
      rendered,
      (body) => this.rest.post(Routes.channelMessages(threadId), { body: once(threadId, body) }),
      'post',
      'thread',
    );
    const ref = { channel: threadId, messageId: sent.id };
    if (fullText)
      await this.attachOnce(ref, fullText, message, { channel: thread.channel, messageId: thread.messageId });
    return ref;
  }

  /** The thread started from `root`, started now if it is not yet. */
  private async threadOf(root: MessageRef, message: ChatMessage): Promise<string> {
    if (this.threads.has(root.messageId)) return root.messageId;
    const header = message.blocks.find((b) => b.type === 'header');
    try {
      await this.rest.post(Routes.threads(root.channel, root.messageId), {
        body: {
          name: clip(header?.text ?? message.text ?? 'Baton', THREAD_NAME_LENGTH) || 'Baton',
          auto_archive_duration: 10080,
        },
      });
    } catch (error) {
      // Another bot, or this one before a restart, started it already.
      if (!(error instanceof DiscordAPIError && error.code === THREAD_ALREADY_CREATED)) throw error;
    }
    remember(this.threads, root.messageId);
    return root.messageId;
  }

  /**
   * Sends the message; one Discord refuses (50035 Invalid Form Body) goes again
   * as plain text with the full text attached. `fullText` is what to attach:
   * the whole message whenever what Discord shows leaves part of it out.
   */
  private async send(
    channel: string,
    message: ChatMessage,
    rendered: DiscordMessage,
    call: (body: RESTPostAPIChannelMessageJSONBody) => Promise<unknown>,
    kind: 'post' | 'update' = 'post',
    where: 'channel' | 'thread' = 'channel',
  ): Promise<{ sent: APIMessage; fullText: string | undefined }> {
    try {
      return { sent: (await call(bodyOf(rendered, message))) as APIMessage, fullText: rendered.overflow };
    } catch (error) {
      const refused = translateDiscordError(error, channel, kind, where);
      if (refused) throw refused;
      this.logger.error(
        { discordError: errorMessage(error), embeds: rendered.embeds.length },
        'Discord refused the message; posting it as plain text with the full text attached',
      );
      const plain = {
        content: clip(message.text, DISCORD_LIMITS.content),
        embeds: [],
        components: rendered.components,
        allowed_mentions: allowedMentions(message),
      };
      try {
        return { sent: (await call(plain)) as APIMessage, fullText: messagePlainText(message) };
      } catch (retryError) {
        throw translateDiscordError(retryError, channel, kind, where) ?? retryError;
      }
    }
  }

  /**
   * The message is already out, so a failure here must not fail the post (the
   * outbox would post the message twice): it is said in the thread and logged.
   */
  private async attachOnce(ref: MessageRef, text: string, message: ChatMessage, root: MessageRef = ref): Promise<void> {
    const key = `${ref.channel}/${ref.messageId}`;
    if (this.attached.has(key)) return;
    remember(this.attached, key);
    try {
      const threadId = root === ref ? await this.threadOf(root, message) : ref.channel;
      await this.rest.post(Routes.channelMessages(threadId), {
        body: { content: 'Full text of the message above.', allowed_mentions: { parse: [] } },
        files: [{ name: 'baton-full-text.txt', data: Buffer.from(text), contentType: 'text/plain' }],
      });
    } catch (error) {
      this.logger.error({ err: errorMessage(error) }, 'could not attach the full text of a long message');
    }
  }
}
