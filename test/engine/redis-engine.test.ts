import { afterAll, beforeAll } from 'vitest';
import { createRedisEngine } from '../../src/engine/redis/index.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { describeEngineContract } from './contract-suite.ts';

let server: RedisServer;
let database = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

describeEngineContract('redis', async () => {
  // A fresh key prefix per test keeps tests apart on one server.
  const prefix = `test${(database += 1)}`;
  const open = () => createRedisEngine({ url: server.url, logger: silentLogger, prefix, lockDurationMs: 2000, stalledCheckMs: 500 });
  const engine = await open();
  const reopened: Awaited<ReturnType<typeof open>>[] = [];
  return {
    engine,
    reopen: async () => {
      const again = await open();
      reopened.push(again);
      return again;
    },
    cleanup: async () => {
      for (const other of [engine, ...reopened]) {
        await other.queue.close();
        await other.outbox.close();
        await other.store.close().catch(() => {});
      }
    },
  };
});
