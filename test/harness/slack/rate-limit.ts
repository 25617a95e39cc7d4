/**
 * Slack's per-channel limit on chat.postMessage: "about one message per
 * second per channel, short bursts allowed", and its per-workspace limit on
 * chat.update (Web API Tier 3: "50+ per minute", sporadic bursts), each as a
 * token bucket. Slack does not publish the burst sizes, so they are settings;
 * what the stand-in fixes is the answer past them: HTTP 429, `Retry-After`
 * in whole seconds, `ratelimited`.
 */

export interface RateLimit {
  /** Messages a channel takes at once. */
  burst: number;
  /** Messages a channel gets back per second. */
  perSecond: number;
}

export interface ChannelRateLimit {
  perChannel: RateLimit;
  /** chat.update across the workspace; none when absent. */
  updatesPerWorkspace?: RateLimit;
}

/** Tier 3: 50 a minute, with a burst of 20 (the stand-in's choice). */
export const TIER_3: RateLimit = { burst: 20, perSecond: 50 / 60 };

export const DEFAULT_RATE_LIMIT: ChannelRateLimit = {
  perChannel: { burst: 5, perSecond: 1 },
  updatesPerWorkspace: TIER_3,
};

interface Bucket {
  tokens: number;
  at: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

export class ChannelRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `null` turns the limit off. */
  constructor(
    private limit: RateLimit | null,
    private readonly clock: () => number,
  ) {}

  /** A new limit starts every channel with a full bucket. */
  set(limit: RateLimit | null): void {
    this.limit = limit;
    this.buckets.clear();
  }

  take(channel: string): Admission {
    const limit = this.limit;
    if (limit === null) return { admitted: true };
    const now = this.clock();
    const bucket = this.buckets.get(channel) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { admitted: true };
    }
    const waitSeconds = limit.perSecond > 0 ? (1 - bucket.tokens) / limit.perSecond : 60;
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }
}
