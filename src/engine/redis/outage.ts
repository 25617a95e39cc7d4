/**
 * Turns "Redis is gone" failures of any store call into one clear error that
 * people see in chat, instead of a client library's internals.
 */
import type { Store } from '../contracts.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof BatonError) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue/.test(error.message)
  );
}

export function guardAgainstOutage(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (!isConnectionFailure(error)) throw error;
          throw new BatonError(
            ErrorCode.EngineUnavailable,
            `Baton can't reach its Redis right now (${errorMessage(error)}), so this may not have been recorded. It reconnects by itself: try again in a moment, then check /promote status.`,
            { cause: error },
          );
        }
      };
    },
  });
}
