/**
 * How fast Baton may write to a chat platform: a token bucket per channel for
 * posts and replies, a separate one for edits of root messages where the
 * platform counts those apart (Slack's chat.update, Tier 3, per workspace),
 * and the least time between two edits of one root message, so a promotion
 * busier than that sends only its latest state.
 */

export interface TokenRate {
  /** What may go at once, after a quiet spell. */
  burst: number;
  /** What comes back each second. */
  perSecond: number;
}

export interface ChatPace {
  /** Posts and replies to one channel; none where the platform's client keeps to its limits itself. */
  channel?: TokenRate;
  /** Edits of root messages across the workspace; none where the client keeps to each route's bucket itself. */
  updates?: TokenRate;
  /** Least time between two edits of one root message; edits asked for in between are coalesced into the latest. */
  rootEveryMs: number;
}

/** A platform without limits (the console): every message and edit goes at once. */
export const UNPACED: ChatPace = { rootEveryMs: 0 };

/**
 * A token bucket on the monotonic clock (a wall clock stepped back would stall
 * it). `reserve` takes a token and says how long to wait for it, so callers
 * queue in the order they asked; `delayOf` only looks.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: TokenRate,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate.burst;
    this.at = now();
  }

  /** Takes the next token (possibly in the future); resolves the wait in ms before using it. */
  reserve(): number {
    const wait = this.delayOf();
    this.tokens -= 1;
    return wait;
  }

  /** How long until a token is free, without taking it. */
  delayOf(): number {
    this.refill();
    const start = Math.max(0, this.at - this.now());
    return this.tokens >= 1 ? start : start + Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000);
  }

  /**
   * The platform closed the channel until `until` (a 429's Retry-After): one
   * message may go then, the rest at the rate after it. Tokens reserved before
   * are void; their holders look again and reserve anew.
   */
  restartAt(until: number): void {
    this.tokens = 1;
    this.at = Math.max(until, this.now());
  }

  private refill(): void {
    const now = this.now();
    if (now <= this.at) return;
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.at) / 1000) * this.rate.perSecond);
    this.at = now;
  }
}
