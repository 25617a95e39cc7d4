/**
 * Spaces out messages to one channel, and waits out a platform's 429 with the
 * Retry-After it gave: a message is delayed, never dropped.
 */
import { ChatRateLimitedError } from '../errors.ts';

const MAX_RATE_LIMITED_WAITS = 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ChannelPacer {
  private readonly nextSlot = new Map<string, number>();

  /** `minIntervalMs`: the least time between two messages to one channel (0 = no pacing). */
  constructor(private readonly minIntervalMs: number) {}

  async send<T>(channel: string, post: () => Promise<T>): Promise<T> {
    for (let waits = 0; ; waits += 1) {
      const now = Date.now();
      const slot = Math.max(now, this.nextSlot.get(channel) ?? 0);
      this.nextSlot.set(channel, slot + this.minIntervalMs);
      if (slot > now) await sleep(slot - now);
      try {
        return await post();
      } catch (error) {
        if (!(error instanceof ChatRateLimitedError) || waits >= MAX_RATE_LIMITED_WAITS) throw error;
        // The platform's word beats our own pacing: nobody posts to this channel until then.
        this.nextSlot.set(channel, Date.now() + error.retryAfterMs);
      }
    }
  }
}
