/**
 * Who may use one database at a time. Bots that share their queues through
 * Redis may run side by side; a bot whose queues live in its own process must
 * be the only one, as it takes every unfinished promotion for its own at
 * start. An advisory lock held by a connection for the bot's lifetime says
 * which: shared by the first kind, exclusive for the second, and let go of by
 * PostgreSQL itself when the process dies.
 */
import type pg from 'pg';
import { BatonError, ErrorCode } from '../../errors.ts';

/** The advisory lock key of using one database: any fixed bigint, one more than the migration lock's. */
const USE_LOCK_KEY = BigInt('0x426174616f').toString();

export type DatabaseUse = 'shared' | 'sole';

/**
 * Holds the use lock on a connection of its own; resolves to how to let it go.
 * `lost` hears when that connection breaks (PostgreSQL restarted, say): the
 * lock went with it, and the bot goes on without it.
 */
export async function holdDatabaseUse(
  pool: pg.Pool,
  use: DatabaseUse,
  shownUrl: string,
  lost: (error: Error) => void,
): Promise<() => Promise<void>> {
  const client = await pool.connect();
  client.on('error', lost);
  const lock = use === 'shared' ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
  const { rows } = await client.query<{ held: boolean }>(`SELECT ${lock}($1::bigint) AS held`, [USE_LOCK_KEY]);
  if (rows[0]?.held !== true) {
    client.release(true);
    throw new BatonError(
      ErrorCode.EngineUnavailable,
      use === 'sole'
        ? `Another Baton already uses the database at ${shownUrl}. Without REDIS_URL a bot keeps its queue in its own process and must be the only one on its records, or two bots would each take the other's promotions as interrupted. Stop the other bot, or set REDIS_URL on every bot and worker to run several.`
        : `A Baton without REDIS_URL uses the database at ${shownUrl} as its only bot. Stop it, or set REDIS_URL on it too, before starting bots that share the database through Redis.`,
    );
  }
  return async () => {
    client.release(true);
  };
}
