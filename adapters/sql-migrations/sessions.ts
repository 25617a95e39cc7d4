/**
 * The two ways a step talks to the database: a plain session to look
 * (`current`, `plan`), and a locked one to change (`apply`, `rollback`).
 * Both close their connection whatever happens, cancel on abort, and turn
 * any unexpected database error into a step error with the secrets hidden.
 */
import { BatonError } from '../../src/errors.ts';
import type { AdapterContext } from '../kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { abortReason } from '../kit/stopped.ts';
import { cancelOnAbort, throwIfAborted } from './abort.ts';
import { locateBookkeepingTable, type BookkeepingTable } from './bookkeeping.ts';
import { openSession, type Session } from './connect.ts';
import { shown } from './connection-url.ts';
import { acquireMigrationLock } from './lock.ts';
import type { SqlMigrationsConfig } from './schema.ts';
import { describeSqlFailure, isTransientFailure } from './sql-failures.ts';

type Context = AdapterContext<SqlMigrationsConfig>;
type Work<T> = (session: Session, table: BookkeepingTable) => Promise<T>;

function asStepError(ctx: Context, session: Session, what: string, error: unknown): unknown {
  if (error instanceof BatonError) return error;
  if (ctx.signal.aborted) {
    return new TerminalStepError(
      shown(
        ctx,
        `${what} for ${ctx.component} on ${session.target} was stopped: the step was cancelled or timed out (${abortReason(ctx.signal)}).`,
      ),
      { cause: ctx.signal.reason },
    );
  }
  const message = `${what} for ${ctx.component} on ${session.target} failed: ${describeSqlFailure(error)}`;
  if (isTransientFailure(error)) return new RetryableStepError(shown(ctx, `${message}\nThe step will be tried again.`));
  return new TerminalStepError(shown(ctx, message));
}

// With `schema` set, unqualified names in migrations land in it, while the
// rest of the search_path (extensions in public, say) stays reachable.
async function putSchemaFirst(ctx: Context, session: Session): Promise<void> {
  if (ctx.config.schema === undefined) return;
  await session.client.query(
    "SELECT set_config('search_path', quote_ident($1) || ', ' || current_setting('search_path'), false)",
    [ctx.config.schema],
  );
}

async function inSession<T>(ctx: Context, what: string, work: (session: Session) => Promise<T>): Promise<T> {
  throwIfAborted(ctx, what);
  const session = await openSession(ctx);
  const stopCancelling = cancelOnAbort(ctx, session);
  try {
    throwIfAborted(ctx, what);
    return await work(session);
  } catch (error) {
    throw asStepError(ctx, session, what, error);
  } finally {
    stopCancelling();
    await session.close();
  }
}

/** Reads without the lock: what it sees may change right after, which a preview can live with. */
export function withSession<T>(ctx: Context, what: string, work: Work<T>): Promise<T> {
  return inSession(ctx, what, async (session) => work(session, await locateBookkeepingTable(ctx, session)));
}

/** Holds the migration lock for `work`, so no other runner migrates this schema meanwhile. */
export function withLockedSession<T>(ctx: Context, what: string, work: Work<T>): Promise<T> {
  return inSession(ctx, what, async (session) => {
    const table = await locateBookkeepingTable(ctx, session);
    const release = await acquireMigrationLock(ctx, session, table);
    try {
      throwIfAborted(ctx, what);
      await putSchemaFirst(ctx, session);
      return await work(session, table);
    } finally {
      await release();
    }
  });
}
