/**
 * Cancelling and timeouts. PostgreSQL keeps running a statement when its
 * client stops listening, so on abort Baton asks the server to cancel it from
 * a second connection (pg_cancel_backend); the migration's transaction then
 * rolls back and the lock is released with the session.
 */
import pg from 'pg';
import { errorMessage } from '../../src/errors.ts';
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { abortReason } from '../kit/stopped.ts';
import type { Session } from './connect.ts';
import { shown } from './connection-url.ts';
import type { SqlMigrationsConfig } from './schema.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

/** Stops before `what` starts when the step was already cancelled or timed out. */
export function throwIfAborted(ctx: Context, what: string): void {
  if (!ctx.signal.aborted) return;
  throw new TerminalStepError(
    shown(
      ctx,
      `${what} for ${ctx.component} in ${ctx.environment} was not started: the step was cancelled or timed out (${abortReason(ctx.signal)}).`,
    ),
    { cause: ctx.signal.reason },
  );
}

async function cancelRunningStatement(ctx: Context, session: Session): Promise<void> {
  let canceller: pg.Client | undefined;
  try {
    canceller = new pg.Client({ connectionString: ctx.config.url, connectionTimeoutMillis: 10_000 });
    canceller.on('error', () => undefined);
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [session.backendPid]);
    ctx.log('asked PostgreSQL to cancel the running statement');
  } catch (error) {
    ctx.log(
      shown(ctx, `could not cancel the running statement: ${errorMessage(error)}; it stops when its connection closes`),
    );
  } finally {
    await canceller?.end().catch(() => undefined);
  }
}

/** While the returned function is not called, an abort cancels whatever `session` is running. */
export function cancelOnAbort(ctx: Context, session: Session): () => void {
  const onAbort = () => {
    void cancelRunningStatement(ctx, session);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  return () => ctx.signal.removeEventListener('abort', onAbort);
}
