import pg from 'pg';
import type { Logger } from '../../core/capabilities.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';
import type { EngineHealth, Store } from '../contract.ts';
import { guardAgainstOutage } from './outage.ts';
import type { RecordsSnapshot } from '../records-snapshot.ts';
import type { DeploymentWindow } from './deployment-window.ts';
import { importRecords, type ImportReport } from './import-records.ts';
import { PostgresStore } from './postgres-store.ts';
import { migrateSchema } from './schema-migrations.ts';
import { holdDatabaseUse, type DatabaseUse } from './sole-user.ts';

/** Baton's transactions take milliseconds; one idle this long belongs to a process that stopped. */
const IDLE_IN_TRANSACTION_MS = 30_000;

export interface PostgresRecordsOptions {
  url: string;
  logger: Logger;
  /** `shared` beside other bots (queues on Redis); `sole` for a bot whose queues live in its own process. */
  use: DatabaseUse;
  /** Connections this process opens at most. */
  poolSize?: number;
}

/** Baton's records in PostgreSQL: a store, whether it can be reached now, and the queries only SQL answers well. */
export interface PostgresRecords {
  store: Store;
  health(): Promise<EngineHealth>;
  deploymentWindow(environment: string, days: number, now: Date): Promise<DeploymentWindow>;
  /** Copies another engine's records in, verifying every chain (see import-records.ts). */
  importRecords(snapshot: RecordsSnapshot, auditKey?: Buffer): Promise<ImportReport>;
}

function hideCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Connects, brings the schema up to date and fails fast, with a clear message, when it can't. */
export async function openPostgresRecords(options: PostgresRecordsOptions): Promise<PostgresRecords> {
  const shown = hideCredentials(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    application_name: 'baton',
    // A process frozen mid-transaction (stopped, swapped out) would hold a promotion's row for good: PostgreSQL ends its transaction instead.
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  });
  // An idle connection that breaks is replaced by the pool; without a listener it would end the process.
  pool.on('error', (error) => options.logger.warn({ err: error }, 'postgresql connection problem'));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new BatonError(
      ErrorCode.EngineUnavailable,
      `Cannot reach PostgreSQL at ${shown}: ${errorMessage(error).replace(/\.$/, '')}. Start PostgreSQL or fix DATABASE_URL; unset DATABASE_URL to keep records in Redis or the embedded engine.`,
      { cause: error },
    );
  }
  let endDatabaseUse: () => Promise<void>;
  try {
    const applied = await migrateSchema(pool, shown);
    if (applied.length > 0) options.logger.info({ url: shown, applied }, 'migrated the records schema');
    endDatabaseUse = await holdDatabaseUse(pool, options.use, shown, (error) =>
      options.logger.warn(
        { err: error },
        `the connection that marks this bot's use of PostgreSQL broke; until Baton restarts, another bot could start beside it ${options.use === 'sole' ? 'without Redis' : 'as the only one'}`,
      ),
    );
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const store = new PostgresStore(pool, endDatabaseUse);
  return {
    store: guardAgainstOutage(store),
    deploymentWindow: (environment, days, now) => store.deploymentWindow(environment, days, now),
    importRecords: (snapshot, auditKey) => importRecords(pool, snapshot, auditKey),
    health: async () => {
      try {
        await pool.query('SELECT 1');
        return { ready: true, detail: `records in PostgreSQL at ${shown}` };
      } catch (error) {
        return { ready: false, detail: `PostgreSQL at ${shown} is unreachable (${errorMessage(error)}); reconnecting` };
      }
    },
  };
}
