import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/contract.ts';
import { openEngine } from '../../src/engine/open-engine.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres-database.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { samplePromotion } from './contract-suite.ts';

let redis: RedisServer;
let database: ThrowawayDatabase;
let dataDir: string;

beforeAll(async () => {
  [redis, database, dataDir] = await Promise.all([
    startRedisServer(),
    createThrowawayDatabase(),
    mkdtemp(join(tmpdir(), 'baton-engine-choice-')),
  ]);
});
afterAll(async () => {
  await Promise.all([redis.stop(), database.drop(), rm(dataDir, { recursive: true, force: true })]);
});

async function close(engine: Engine): Promise<void> {
  await engine.queue.close();
  await engine.outbox.close();
  await engine.store.close();
}

describe('choosing the engine from REDIS_URL and DATABASE_URL', () => {
  it('puts queues on Redis and records in PostgreSQL when given both, and keeps no records in Redis', async () => {
    const engine = await openEngine({ dataDir, logger: silentLogger, redisUrl: redis.url, databaseUrl: database.url });
    try {
      expect(engine.name).toBe('redis+postgres');
      expect(engine.queue.durable).toBe(true);
      const health = await engine.health();
      expect(health.ready).toBe(true);
      expect(health.detail).toMatch(/connected to redis:.*records in PostgreSQL/);
      const id = await engine.store.nextPromotionId();
      await engine.store.createPromotion(samplePromotion(id));
      expect(await database.query('SELECT id, environment, state FROM baton.promotions')).toEqual([
        { id, environment: 'dev', state: 'awaiting_approval' },
      ]);
      const { Redis } = await import('ioredis');
      const raw = new Redis(redis.url);
      expect((await raw.keys('baton:promotion*')).length).toBe(0);
      raw.disconnect();
    } finally {
      await close(engine);
    }
  });

  it('keeps queues in the process beside records in PostgreSQL without REDIS_URL, as the only bot on them', async () => {
    const engine = await openEngine({ dataDir, logger: silentLogger, databaseUrl: database.url });
    try {
      expect(engine.name).toBe('postgres');
      expect(engine.queue.durable).toBe(false);
      await expect(openEngine({ dataDir, logger: silentLogger, databaseUrl: database.url })).rejects.toThrow(
        /Another Baton already uses the database/,
      );
      await expect(
        openEngine({ dataDir, logger: silentLogger, redisUrl: redis.url, databaseUrl: database.url }),
      ).rejects.toThrow(/A Baton without REDIS_URL uses the database/);
    } finally {
      await close(engine);
    }
  });

  it('runs on Redis alone and on the embedded engine as before', async () => {
    const onRedis = await openEngine({ dataDir, logger: silentLogger, redisUrl: redis.url });
    expect(onRedis.name).toBe('redis');
    await close(onRedis);
    const embedded = await openEngine({ dataDir, logger: silentLogger });
    expect(embedded.name).toBe('memory');
    await close(embedded);
  });
});
