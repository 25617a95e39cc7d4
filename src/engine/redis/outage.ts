/**
 * Turns "Redis is gone" failures of any store call into one clear error that
 * people see in chat, instead of a client library's internals.
 */
import type { Store } from '../contract.ts';
import { BatonError, errorMessage } from '../../errors.ts';
import { guardStoreCalls } from '../outage-guard.ts';

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
  return guardStoreCalls(
    store,
    isConnectionFailure,
    (error) =>
      `Baton can't reach its Redis right now (${errorMessage(error)}), so this may not have been recorded. It reconnects by itself: try again in a moment, then check /promote status.`,
  );
}
