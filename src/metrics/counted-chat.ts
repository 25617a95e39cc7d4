/** Chat calls that fail, and those the platform rate-limits (429), counted by platform and call. */
import type { ChatOut } from '../chat/contract.ts';
import { ChatRateLimitedError } from '../errors.ts';
import type { BatonMetrics } from './baton-metrics.ts';

const CALLS: ReadonlySet<PropertyKey> = new Set(['post', 'update', 'reply']);

/** The same chat, its sending calls counted; anything else it offers passes through as it is. */
export function countedChat(chat: ChatOut, platform: string, metrics: BatonMetrics): ChatOut {
  return new Proxy(chat, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (!CALLS.has(property)) return method;
      return async (...args: unknown[]) => {
        try {
          return await method(...args);
        } catch (error) {
          (error instanceof ChatRateLimitedError ? metrics.chatRateLimited : metrics.chatErrors).inc({
            platform,
            call: String(property),
          });
          throw error;
        }
      };
    },
  });
}
