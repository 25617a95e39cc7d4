/**
 * Two bots and two workers on one Redis, records in Redis: see many-bots-scene.ts.
 */
import { it } from 'vitest';
import { createRedisEngine } from '../../src/engine/redis/index.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { runManyBots } from './many-bots-scene.ts';

const scene = useProcessScene();

it(
  'runs 50 promotions to 10 environments from two bots and two workers, one at a time per environment, every thread complete',
  { timeout: 180_000 },
  async () => {
    await runManyBots(scene, {
      open: async (redisUrl) => ({
        engine: await createRedisEngine({ url: redisUrl, logger: silentLogger }),
        env: {},
        cleanup: async () => {},
      }),
    });
  },
);
