/**
 * Two bots and two workers with queues on one Redis and records in one
 * PostgreSQL database (the production setup): see many-bots-scene.ts. The
 * checks read the records from PostgreSQL, and Redis is checked to hold none.
 */
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open-engine.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres-database.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { runManyBots } from './many-bots-scene.ts';

let database: ThrowawayDatabase | undefined;
// Registered before the scene, so it runs after the scene has stopped the processes using the database.
afterEach(async () => {
  await database?.drop();
  database = undefined;
});
const scene = useProcessScene();

it(
  'runs 50 promotions to 10 environments from two bots and two workers on Redis and PostgreSQL, one at a time per environment, every thread complete',
  { timeout: 180_000 },
  async () => {
    const records = await createThrowawayDatabase();
    database = records;
    let redisUrl = '';
    await runManyBots(scene, {
      open: async (url, dir) => {
        redisUrl = url;
        return {
          engine: await openEngine({ dataDir: dir, logger: silentLogger, redisUrl: url, databaseUrl: records.url }),
          env: { DATABASE_URL: records.url },
          cleanup: async () => {},
        };
      },
    });
    const raw = new Redis(redisUrl);
    try {
      expect(await raw.keys('baton:promotion:*')).toEqual([]);
      expect(await raw.keys('baton:audit:*')).toEqual([]);
    } finally {
      raw.disconnect();
    }
  },
);
