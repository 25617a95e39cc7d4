/**
 * Turns "PostgreSQL is gone" failures of any store call into one clear error
 * that people see in chat, instead of the client library's internals.
 */
import type { Store } from '../contracts.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, crash, cannot connect now).
const CONNECTION_STATES = /^(08|57P)/;

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof BatonError) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return (
    CONNECTION_STATES.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client was closed|Client has encountered a connection error/.test(error.message)
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
            `Baton can't reach its PostgreSQL right now (${errorMessage(error)}), so this was not recorded. It reconnects by itself: try again in a moment, then check /promote status.`,
            { cause: error },
          );
        }
      };
    },
  });
}
