/**
 * The console's channels and messages, in memory. Threads are one level deep,
 * as in Slack: a reply to a reply joins the root message's thread.
 */
import type { MessageRef } from '../../core/model.ts';
import type { Clock } from '../../core/capabilities.ts';
import { BatonError, ErrorCode } from '../../errors.ts';
import type { Journal } from '../../journal.ts';

import type { ChatMessage } from '../message.ts';

export interface ConsoleMessage {
  id: string;
  channel: string;
  /** The root message this one replies to. */
  threadOf?: string;
  message: ChatMessage;
  postedAt: string;
  updatedAt: string;
  /** Reply ids, oldest first; always empty for a reply. */
  replies: string[];
}

export interface ThreadReplyView {
  id: string;
  postedAt: string;
  updatedAt: string;
  message: ChatMessage;
}

export interface RootMessageView {
  id: string;
  channel: string;
  postedAt: string;
  updatedAt: string;
  message: ChatMessage;
  thread: ThreadReplyView[];
}

export interface ConsoleSnapshot {
  channels: string[];
  messages: RootMessageView[];
}

export interface ConsoleChangeEvent {
  change: 'posted' | 'updated' | 'replied';
  id: string;
  channel: string;
  threadOf: string | null;
  postedAt: string;
  updatedAt: string;
  message: ChatMessage;
}

export type ConsoleChangeListener = (event: ConsoleChangeEvent) => void;

export class ConsoleMessageStore {
  private readonly messages = new Map<string, ConsoleMessage>();
  private readonly listeners = new Set<ConsoleChangeListener>();
  private lastId = 0;

  /**
   * With a journal, the channel's history survives a restart, as a real
   * chat's does. Every update of a plan message appends a whole message, so
   * at start the journal is compacted to one line per message.
   */
  constructor(
    private readonly defaultChannel: string,
    private readonly clock: Clock,
    private readonly journal?: Journal<ConsoleChangeEvent>,
  ) {
    // Cut a line a crash tore, so the next message does not glue onto it.
    const events = journal?.open().entries ?? [];
    for (const event of events) this.replay(event);
    if (journal && events.length > this.messages.size) {
      journal.rewrite(
        [...this.messages.values()].map((stored) =>
          this.changeEvent(stored.threadOf === undefined ? 'posted' : 'replied', stored),
        ),
      );
    }
  }

  private replay(event: ConsoleChangeEvent): void {
    const existing = this.messages.get(event.id);
    if (existing) {
      existing.message = event.message;
      existing.updatedAt = event.updatedAt;
      return;
    }
    const stored: ConsoleMessage = {
      id: event.id,
      channel: event.channel,
      ...(event.threadOf === null ? {} : { threadOf: event.threadOf }),
      message: event.message,
      postedAt: event.postedAt,
      updatedAt: event.updatedAt,
      replies: [],
    };
    this.messages.set(stored.id, stored);
    if (event.threadOf !== null) this.messages.get(event.threadOf)?.replies.push(stored.id);
    this.lastId = Math.max(this.lastId, Number(event.id.slice(1)) || 0);
  }

  async post(channel: string, message: ChatMessage): Promise<ConsoleMessage> {
    const stored = this.store(channel, message);
    await this.emit('posted', stored);
    return stored;
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<ConsoleMessage> {
    const stored = this.find(ref, 'update');
    stored.message = structuredClone(message);
    stored.updatedAt = this.clock.now().toISOString();
    await this.emit('updated', stored);
    return stored;
  }

  async reply(thread: MessageRef, message: ChatMessage): Promise<ConsoleMessage> {
    const target = this.find(thread, 'reply to');
    const root = target.threadOf === undefined ? target : this.get(target.threadOf);
    const stored = this.store(root.channel, message, root.id);
    root.replies.push(stored.id);
    await this.emit('replied', stored);
    return stored;
  }

  /** Root messages oldest first, each with its thread; `channel` narrows to one channel. */
  snapshot(channel?: string): ConsoleSnapshot {
    const roots = [...this.messages.values()].filter(
      (stored) => stored.threadOf === undefined && (channel === undefined || stored.channel === channel),
    );
    return {
      channels: this.channels(),
      messages: roots.map((root) => ({
        id: root.id,
        channel: root.channel,
        postedAt: root.postedAt,
        updatedAt: root.updatedAt,
        message: root.message,
        thread: root.replies.map((id) => {
          const reply = this.get(id);
          return { id: reply.id, postedAt: reply.postedAt, updatedAt: reply.updatedAt, message: reply.message };
        }),
      })),
    };
  }

  /** The default channel first, then every channel with messages by name. */
  channels(): string[] {
    const withMessages = new Set([...this.messages.values()].map((stored) => stored.channel));
    withMessages.delete(this.defaultChannel);
    return [this.defaultChannel, ...[...withMessages].sort()];
  }

  /** Returns a function that stops the listener. */
  subscribe(listener: ConsoleChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private store(channel: string, message: ChatMessage, threadOf?: string): ConsoleMessage {
    const at = this.clock.now().toISOString();
    this.lastId += 1;
    const stored: ConsoleMessage = {
      id: `m${this.lastId}`,
      channel,
      ...(threadOf === undefined ? {} : { threadOf }),
      // The caller may keep changing its object; the channel shows what was sent.
      message: structuredClone(message),
      postedAt: at,
      updatedAt: at,
      replies: [],
    };
    this.messages.set(stored.id, stored);
    return stored;
  }

  private find(ref: MessageRef, doing: string): ConsoleMessage {
    const stored = this.messages.get(ref.messageId);
    if (!stored || stored.channel !== ref.channel) {
      throw new BatonError(
        ErrorCode.NotFound,
        `Cannot ${doing} message ${ref.messageId} in ${ref.channel}: the console has no such message`,
      );
    }
    return stored;
  }

  private get(id: string): ConsoleMessage {
    const stored = this.messages.get(id);
    if (!stored) {
      throw new Error(`Console message ${id} is referenced but missing`);
    }
    return stored;
  }

  private changeEvent(change: ConsoleChangeEvent['change'], stored: ConsoleMessage): ConsoleChangeEvent {
    return {
      change,
      id: stored.id,
      channel: stored.channel,
      threadOf: stored.threadOf ?? null,
      postedAt: stored.postedAt,
      updatedAt: stored.updatedAt,
      message: stored.message,
    };
  }

  /** Browsers see the change at once; resolves once it is in the history file. */
  private async emit(change: ConsoleChangeEvent['change'], stored: ConsoleMessage): Promise<void> {
    const event = this.changeEvent(change, stored);
    for (const listener of this.listeners) {
      listener(event);
    }
    await this.journal?.append(event);
  }

  /** Waits for the history file to hold every change so far. */
  async close(): Promise<void> {
    await this.journal?.close();
  }
}
