/**
 * `baton migrate-store --from <embedded|redis> --to postgres`: copies every
 * record of a data folder or a Redis into PostgreSQL, verifying every chain on
 * the way, and is safe to run again. The bots stay stopped while it runs: it
 * takes the database as its only user, and refuses while a bot holds it.
 */
import { auditKeysFrom } from './audit-keys.ts';
import type { Logger } from './core/capabilities.ts';
import { UsageError } from './errors.ts';
import type { RecordsSnapshot } from './engine/records-snapshot.ts';

const USAGE = 'baton migrate-store --from <embedded|redis> --to postgres [--data-dir DIR]';
const SOURCES = ['embedded', 'redis'] as const;
type Source = (typeof SOURCES)[number];

export interface MigrateStoreOptions {
  from: string;
  to: string;
  dataDir: string;
}

function isSource(text: string): text is Source {
  return (SOURCES as readonly string[]).includes(text);
}

async function readSource(source: Source, dataDir: string, env: NodeJS.ProcessEnv): Promise<RecordsSnapshot> {
  if (source === 'embedded') {
    const { MemoryStore } = await import('./engine/memory/memory-store.ts');
    // A reader beside a bot that may still run: it neither folds the journal nor takes the folder.
    const store = new MemoryStore(dataDir, { compact: false });
    try {
      return store.recordsSnapshot();
    } finally {
      await store.close();
    }
  }
  if (!env.REDIS_URL)
    throw new UsageError(`--from redis reads the Redis that REDIS_URL names; set it.\nUsage: ${USAGE}`);
  const { Redis } = await import('ioredis');
  const { readRedisRecords } = await import('./engine/redis/read-records.ts');
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 5000 });
  try {
    return await readRedisRecords(redis);
  } finally {
    redis.disconnect();
  }
}

/** Runs the copy; returns what to tell the operator. */
export async function migrateStoreFromCommandLine(
  options: MigrateStoreOptions,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<string> {
  if (options.to !== 'postgres')
    throw new UsageError(`Records can be moved to postgres only, not "${options.to}".\nUsage: ${USAGE}`);
  if (!isSource(options.from))
    throw new UsageError(`--from takes ${SOURCES.join(' or ')}, not "${options.from}".\nUsage: ${USAGE}`);
  if (!env.DATABASE_URL)
    throw new UsageError(`--to postgres writes into the database DATABASE_URL names; set it.\nUsage: ${USAGE}`);
  const { openPostgresRecords } = await import('./engine/postgres/index.ts');
  const records = await openPostgresRecords({ url: env.DATABASE_URL, logger, use: 'sole' });
  try {
    const snapshot = await readSource(options.from, options.dataDir, env);
    const report = await records.importRecords(snapshot, auditKeysFrom(env).chain);
    return [
      `Copied ${options.from === 'embedded' ? `the data folder ${options.dataDir}` : 'Redis'} into PostgreSQL: ` +
        `${report.promotions} promotions (${report.promotionsWritten} written now, the rest already there), ` +
        `${report.records} audit records in ${report.streams} streams (${report.recordsWritten} written now).`,
      `Every chain verified as read back from PostgreSQL: ${report.chainsVerified}.`,
      'Run it again at any time: what is already there is kept. Then start the bots with DATABASE_URL set.',
    ].join('\n');
  } finally {
    await records.store.close();
  }
}
