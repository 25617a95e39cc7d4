/**
 * Paces messages to one channel with a token bucket (the platform's burst,
 * then its rate), waits out a 429 with the Retry-After it gave, and tries a
 * call the platform failed for now (a 5xx, a timeout) a few times with
 * growing pauses: a message is delayed, never dropped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ChatRateLimitedError, ChatUnavailableError } from '../errors.ts';
import { TokenBucket, type TokenRate } from './pace.ts';

const MAX_RATE_LIMITED_WAITS = 20;
/** Pauses before each new try of a call the platform failed for now; then the error goes to the outbox, which tries later. */
const UNAVAILABLE_PAUSES_MS = [1_000, 3_000, 9_000];

export class ChannelPacer {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Channels a 429 closed, until when (monotonic ms): the platform's word beats our own pacing. */
  private readonly closedUntil = new Map<string, number>();

  /** `rate`: what one channel takes; none for a platform whose client paces itself. */
  constructor(
    private readonly rate: TokenRate | undefined,
    private readonly pauses: readonly number[] = UNAVAILABLE_PAUSES_MS,
  ) {}

  async send<T>(channel: string, post: () => Promise<T>): Promise<T> {
    let rateLimited = 0;
    let unavailable = 0;
    for (;;) {
      await this.turn(channel);
      try {
        return await post();
      } catch (error) {
        if (error instanceof ChatRateLimitedError && rateLimited < MAX_RATE_LIMITED_WAITS) {
          rateLimited += 1;
          this.close(channel, performance.now() + error.retryAfterMs);
          continue;
        }
        const pause = this.pauses[unavailable];
        if (error instanceof ChatUnavailableError && pause !== undefined) {
          unavailable += 1;
          await sleep(pause);
          continue;
        }
        throw error;
      }
    }
  }

  /** Waits for the channel's next slot; a 429 that closes the channel meanwhile sends the waiter back to the queue. */
  private async turn(channel: string): Promise<void> {
    for (;;) {
      const closed = (this.closedUntil.get(channel) ?? 0) - performance.now();
      if (closed > 0) {
        await sleep(closed);
        continue;
      }
      this.closedUntil.delete(channel);
      const wait = this.bucketOf(channel)?.reserve() ?? 0;
      if (wait > 0) await sleep(wait);
      if ((this.closedUntil.get(channel) ?? 0) <= performance.now()) return;
    }
  }

  private close(channel: string, until: number): void {
    this.closedUntil.set(channel, Math.max(until, this.closedUntil.get(channel) ?? 0));
    this.bucketOf(channel)?.restartAt(until);
  }

  private bucketOf(channel: string): TokenBucket | undefined {
    if (!this.rate) return undefined;
    let bucket = this.buckets.get(channel);
    if (!bucket) {
      bucket = new TokenBucket(this.rate);
      this.buckets.set(channel, bucket);
    }
    return bucket;
  }
}
