/**
 * Which engine a process runs on, from its settings: queues and records each
 * live in one place.
 * - neither URL: the embedded engine (queues in the process, records in the data folder);
 * - REDIS_URL: queues on BullMQ, records in Redis;
 * - REDIS_URL and DATABASE_URL: queues on BullMQ, records in PostgreSQL (the production setup);
 * - DATABASE_URL alone: queues in the process, records in PostgreSQL, one bot only.
 * Redis and PostgreSQL clients load only when asked for.
 */
import type { Logger } from '../core/capabilities.ts';
import type { Engine, EngineHealth, Store } from './contract.ts';
import { createMemoryEngine } from './memory/index.ts';
import { MemoryQueue } from './memory/memory-queue.ts';
import { DEFAULT_NUDGE_DELAY_MS } from './contract.ts';

export interface EngineSettings {
  dataDir: string;
  logger: Logger;
  redisUrl?: string;
  databaseUrl?: string;
  /** Redis queues: how long a worker's claim on a step lasts, and how often lapsed claims are looked for. */
  redisLockMs?: number;
  redisStalledCheckMs?: number;
}

/** The store, closing `also` after itself: the connection its queues' engine opened beside it. */
function alsoClosing(store: Store, also: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'close') return Reflect.get(target, property, receiver) as unknown;
      return async () => {
        await target.close();
        await also();
      };
    },
  });
}

async function bothHealthy(
  first: () => Promise<EngineHealth>,
  second: () => Promise<EngineHealth>,
): Promise<EngineHealth> {
  const [a, b] = await Promise.all([first(), second()]);
  return { ready: a.ready && b.ready, detail: `${a.detail}; ${b.detail}` };
}

async function openRecordsInPostgres(settings: EngineSettings & { databaseUrl: string }): Promise<Engine> {
  const { openPostgresRecords } = await import('./postgres/index.ts');
  if (!settings.redisUrl) {
    const records = await openPostgresRecords({ url: settings.databaseUrl, logger: settings.logger, use: 'sole' });
    return {
      name: 'postgres',
      health: records.health,
      store: records.store,
      queue: new MemoryQueue(settings.logger, { nudgeDelayMs: DEFAULT_NUDGE_DELAY_MS }),
      outbox: new MemoryQueue(settings.logger, { nudgeDelayMs: DEFAULT_NUDGE_DELAY_MS }),
    };
  }
  const { connectRedis } = await import('./redis/index.ts');
  const redis = await connectRedis({
    url: settings.redisUrl,
    logger: settings.logger,
    ...(settings.redisLockMs ? { lockDurationMs: settings.redisLockMs } : {}),
    ...(settings.redisStalledCheckMs ? { stalledCheckMs: settings.redisStalledCheckMs } : {}),
  });
  let records;
  try {
    records = await openPostgresRecords({ url: settings.databaseUrl, logger: settings.logger, use: 'shared' });
  } catch (error) {
    redis.redis.disconnect();
    throw error;
  }
  return {
    name: 'redis+postgres',
    health: () => bothHealthy(redis.health, records.health),
    store: alsoClosing(records.store, async () => {
      await redis.redis.quit();
    }),
    queue: redis.queue('jobs'),
    outbox: redis.queue('outbox'),
  };
}

export async function openEngine(settings: EngineSettings): Promise<Engine> {
  if (settings.databaseUrl) return openRecordsInPostgres({ ...settings, databaseUrl: settings.databaseUrl });
  if (settings.redisUrl) {
    const { createRedisEngine } = await import('./redis/index.ts');
    return createRedisEngine({
      url: settings.redisUrl,
      logger: settings.logger,
      ...(settings.redisLockMs ? { lockDurationMs: settings.redisLockMs } : {}),
      ...(settings.redisStalledCheckMs ? { stalledCheckMs: settings.redisStalledCheckMs } : {}),
    });
  }
  return createMemoryEngine({ dataDir: settings.dataDir, logger: settings.logger });
}
