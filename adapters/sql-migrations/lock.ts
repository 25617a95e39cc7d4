/**
 * The migration lock: a PostgreSQL session-level advisory lock, one per
 * bookkeeping table, so two runners never migrate the same schema at once and
 * a runner that dies releases it with its connection. A second runner waits
 * up to `lockTimeout`, then gives up with an error that may pass on retry.
 */
import { createHash } from 'node:crypto';
import type { AdapterContext } from '../kit/contract.ts';
import { formatDuration } from '../kit/durations.ts';
import { RetryableStepError } from '../kit/step-errors.ts';
import type { BookkeepingTable } from './bookkeeping.ts';
import type { Session } from './connect.ts';
import { shown } from './connection-url.ts';
import { lockTimeoutMs, type SqlMigrationsConfig } from './schema.ts';
import { sqlStateOf } from './sql-failures.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

const LOCK_NOT_AVAILABLE = '55P03';

/** The advisory lock key of a bookkeeping table: the first 8 bytes of a SHA-256, as PostgreSQL's signed bigint. */
export function migrationLockKey(schema: string, table: string): bigint {
  return createHash('sha256').update(`baton sql-migrations ${schema}.${table}`).digest().readBigInt64BE(0);
}

// pg_locks shows a bigint advisory key split in two unsigned halves.
function lockHolderQuery(key: bigint): string {
  const unsigned = BigInt.asUintN(64, key);
  return (
    'SELECT pid, usename, application_name, client_addr, backend_start FROM pg_locks JOIN pg_stat_activity USING (pid) ' +
    `WHERE locktype = 'advisory' AND granted AND classid = ${unsigned >> 32n} AND objid = ${unsigned & 0xffffffffn} AND objsubid = 1`
  );
}

async function tryLock(session: Session, key: bigint): Promise<boolean> {
  const result = await session.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
    key.toString(),
  ]);
  return result.rows[0]?.locked === true;
}

async function waitForLock(ctx: Context, session: Session, table: BookkeepingTable, key: bigint): Promise<void> {
  const timeoutMs = lockTimeoutMs(ctx.config);
  const waited = formatDuration(timeoutMs);
  ctx.log(`another migration holds the lock on ${table.shownName}; waiting up to ${waited} for it`);
  await session.client.query("SELECT set_config('lock_timeout', $1, false)", [`${timeoutMs}ms`]);
  try {
    await session.client.query('SELECT pg_advisory_lock($1::bigint)', [key.toString()]);
  } catch (error) {
    if (sqlStateOf(error) !== LOCK_NOT_AVAILABLE) throw error;
    throw new RetryableStepError(
      shown(
        ctx,
        `Could not migrate ${session.target} for ${ctx.component} in ${ctx.environment}: another migration holds the lock ` +
          `on ${table.shownName}, and it was still held after waiting ${waited} (\`lockTimeout\`). Nothing was applied. ` +
          'Another Baton worker or a person is migrating this schema; the step will be tried again. ' +
          `If it stays locked, find the session holding it: ${lockHolderQuery(key)};`,
      ),
    );
  } finally {
    // The migrations themselves run without Baton's wait limit, as they would in psql.
    await session.client.query('RESET lock_timeout').catch(() => undefined);
  }
}

/** Takes the lock (waiting up to `lockTimeout`) and returns how to release it. */
export async function acquireMigrationLock(
  ctx: Context,
  session: Session,
  table: BookkeepingTable,
): Promise<() => Promise<void>> {
  const key = migrationLockKey(table.schema, table.table);
  if (!(await tryLock(session, key))) await waitForLock(ctx, session, table, key);
  return async () => {
    // A broken session has released the lock already, by ending.
    await session.client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]).catch(() => undefined);
  };
}
