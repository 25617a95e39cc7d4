/**
 * Turns "PostgreSQL is gone" failures of any store call into one clear error
 * that people see in chat, instead of the client library's internals.
 */
import type { Store } from '../contract.ts';
import { BatonError, errorMessage } from '../../errors.ts';
import { guardStoreCalls } from '../outage-guard.ts';

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, crash, cannot connect now).
const CONNECTION_STATES = /^(08|57P)/;

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof BatonError) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return (
    CONNECTION_STATES.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client was closed|Client has encountered a connection error/.test(
      error.message,
    )
  );
}

export function guardAgainstOutage(store: Store): Store {
  return guardStoreCalls(
    store,
    isConnectionFailure,
    (error) =>
      `Baton can't reach its PostgreSQL right now (${errorMessage(error)}), so this was not recorded. It reconnects by itself: try again in a moment, then check /promote status.`,
  );
}
