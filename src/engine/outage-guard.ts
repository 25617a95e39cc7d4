/**
 * Wraps every store call so that a lost connection to the store's server
 * becomes one clear error people see in chat, instead of a client library's
 * internals. Each engine says which failures mean "the server is gone".
 */
import type { Store } from './contract.ts';
import { BatonError, ErrorCode } from '../errors.ts';

export function guardStoreCalls(
  store: Store,
  isConnectionFailure: (error: unknown) => boolean,
  outage: (error: unknown) => string,
): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (!isConnectionFailure(error)) throw error;
          throw new BatonError(ErrorCode.EngineUnavailable, outage(error), { cause: error });
        }
      };
    },
  });
}
