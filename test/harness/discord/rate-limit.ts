/**
 * Discord's REST rate limits as a bot sees them: per-route buckets counted per
 * top-level resource (channel, guild, or webhook id + token), announced on
 * every answer in X-RateLimit-Limit / -Remaining / -Reset / -Reset-After /
 * -Bucket, and a global limit per bot (50 requests a second by default) that
 * interaction callbacks and webhook-token routes are not bound to. Past either,
 * HTTP 429 with Retry-After (whole seconds), X-RateLimit-Scope, and
 * `{ message, retry_after, global }`; X-RateLimit-Global on the global one.
 * Windows are fixed: the first request opens one, it resets after windowMs.
 * https://discord.com/developers/docs/topics/rate-limits
 */
import { createHash } from 'node:crypto';
import { DiscordApiError } from './api-error.ts';

export interface RouteLimit {
  /** Requests a bucket takes per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitOptions {
  /** Per route, keyed `METHOD /path/{param}` as in the route table, e.g. `POST /channels/{channel.id}/messages`. */
  routes?: Record<string, RouteLimit>;
  /** Routes not named in `routes`; default 50 a second. */
  defaultRoute?: RouteLimit;
  /** Requests a second across all bot routes; default 50, `null` for none. */
  globalPerSecond?: number | null;
}

export const DEFAULT_ROUTE_LIMITS: Record<string, RouteLimit> = {
  'POST /channels/{channel.id}/messages': { limit: 5, windowMs: 5_000 },
  'PATCH /channels/{channel.id}/messages/{message.id}': { limit: 5, windowMs: 5_000 },
};
const DEFAULT_ROUTE: RouteLimit = { limit: 50, windowMs: 1_000 };
const DEFAULT_GLOBAL_PER_SECOND = 50;

export interface RateLimitedRequest {
  route: string;
  /** The top-level resource the bucket was counted for. */
  resource: string;
  scope: 'user' | 'global';
  retryAfterSeconds: number;
  at: number;
}

/** HTTP 429 with `{ message, retry_after (seconds, fractional), global }`. */
export class RateLimitedError extends DiscordApiError {
  constructor(
    readonly retryAfter: number,
    readonly global: boolean,
    headers: Record<string, string>,
  ) {
    super(429, 0, 'You are being rate limited.', undefined, headers);
  }

  override body(): Record<string, unknown> {
    return { message: this.message, retry_after: Number(this.retryAfter.toFixed(3)), global: this.global };
  }
}

interface Window {
  startedAt: number;
  count: number;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

export class RateLimits {
  private readonly windows = new Map<string, Window>();
  private globalWindow: Window | undefined;
  readonly limited: RateLimitedRequest[] = [];

  constructor(
    private options: RateLimitOptions | null,
    private readonly clock: () => number,
  ) {}

  /** A new setting starts every bucket afresh; `null` turns limits off. */
  set(options: RateLimitOptions | null): void {
    this.options = options;
    this.windows.clear();
    this.globalWindow = undefined;
  }

  private routeLimit(route: string): RouteLimit {
    return this.options?.routes?.[route] ?? DEFAULT_ROUTE_LIMITS[route] ?? this.options?.defaultRoute ?? DEFAULT_ROUTE;
  }

  private open(window: Window | undefined, windowMs: number, now: number): Window {
    return window && now - window.startedAt < windowMs ? window : { startedAt: now, count: 0 };
  }

  private takeGlobal(route: string, resource: string, now: number): void {
    const perSecond =
      this.options?.globalPerSecond === undefined ? DEFAULT_GLOBAL_PER_SECOND : this.options.globalPerSecond;
    if (perSecond === null) return;
    const window = this.open(this.globalWindow, 1_000, now);
    this.globalWindow = window;
    if (window.count < perSecond) {
      window.count += 1;
      return;
    }
    const waitMs = window.startedAt + 1_000 - now;
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    this.limited.push({ route, resource, scope: 'global', retryAfterSeconds, at: now });
    throw new RateLimitedError(waitMs / 1000, true, {
      'Retry-After': String(retryAfterSeconds),
      'X-RateLimit-Global': 'true',
      'X-RateLimit-Scope': 'global',
    });
  }

  /**
   * Counts one request; returns the headers to answer with, or throws the 429.
   * `global` is false for routes Discord keeps out of the global limit.
   */
  take(route: string, resource: string, global: boolean): Record<string, string> {
    if (this.options === null) return {};
    const now = this.clock();
    const { limit, windowMs } = this.routeLimit(route);
    const key = `${route} ${resource}`;
    const window = this.open(this.windows.get(key), windowMs, now);
    this.windows.set(key, window);
    const resetAt = window.startedAt + windowMs;
    const bucket = createHash('sha1').update(route).digest('hex').slice(0, 16);
    const headers = (remaining: number): Record<string, string> => ({
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': seconds(resetAt),
      'X-RateLimit-Reset-After': seconds(resetAt - now),
      'X-RateLimit-Bucket': bucket,
    });
    if (window.count >= limit) {
      const retryAfter = (resetAt - now) / 1000;
      const retryAfterSeconds = Math.max(1, Math.ceil(retryAfter));
      this.limited.push({ route, resource, scope: 'user', retryAfterSeconds, at: now });
      throw new RateLimitedError(retryAfter, false, {
        ...headers(0),
        'Retry-After': String(retryAfterSeconds),
        'X-RateLimit-Scope': 'user',
      });
    }
    if (global) this.takeGlobal(route, resource, now);
    window.count += 1;
    return headers(limit - window.count);
  }
}
