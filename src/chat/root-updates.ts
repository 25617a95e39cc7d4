/**
 * The budget for edits of root messages (a promotion's plan message), apart
 * from posts: Slack counts chat.update per workspace, not per channel. A root
 * message is edited at most every `rootEveryMs`, and only when what it would
 * show changed; what was asked for in between is coalesced into the latest.
 */
import type { MessageRef } from '../core/model.ts';
import { createHash } from 'node:crypto';

import type { ChatMessage } from './message.ts';
import { TokenBucket, type ChatPace } from './pace.ts';

/** Root messages whose last edit is remembered; the oldest are forgotten first (and edited once more if asked). */
const REMEMBERED_ROOTS = 10_000;

export type RootDecision = { kind: 'unchanged' } | { kind: 'later'; waitMs: number } | { kind: 'now' };

interface Shown {
  at: number;
  digest: string;
}

export function messageDigest(message: ChatMessage): string {
  return createHash('sha256').update(JSON.stringify(message)).digest('base64url');
}

function keyOf(ref: MessageRef): string {
  return `${ref.channel}/${ref.messageId}`;
}

export class RootUpdatePacer {
  private readonly shown = new Map<string, Shown>();
  private readonly workspace: TokenBucket | undefined;
  private closedUntil = 0;

  constructor(
    private readonly pace: ChatPace,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.workspace = pace.updates ? new TokenBucket(pace.updates, now) : undefined;
  }

  /** Whether `ref` shows `message` already, as far as this process knows. */
  shows(ref: MessageRef, message: ChatMessage): boolean {
    return this.shown.get(keyOf(ref))?.digest === messageDigest(message);
  }

  /** Whether to edit `ref` to show `message` now, later, or not at all; `now` takes the edit's token. */
  decide(ref: MessageRef, message: ChatMessage): RootDecision {
    const shown = this.shown.get(keyOf(ref));
    if (shown?.digest === messageDigest(message)) return { kind: 'unchanged' };
    const now = this.now();
    const waitMs = Math.max(
      shown ? shown.at + this.pace.rootEveryMs - now : 0,
      this.closedUntil - now,
      this.workspace?.delayOf() ?? 0,
    );
    if (waitMs > 0) return { kind: 'later', waitMs };
    this.workspace?.reserve();
    return { kind: 'now' };
  }

  /** `ref` shows `message` as of now (posted or edited). */
  showed(ref: MessageRef, message: ChatMessage): void {
    const key = keyOf(ref);
    this.shown.delete(key);
    this.shown.set(key, { at: this.now(), digest: messageDigest(message) });
    if (this.shown.size > REMEMBERED_ROOTS) this.shown.delete(this.shown.keys().next().value ?? key);
  }

  /** The platform refused an edit for its rate: no edit goes before `retryAfterMs`. */
  rateLimited(retryAfterMs: number): void {
    this.closedUntil = Math.max(this.closedUntil, this.now() + retryAfterMs);
  }
}
