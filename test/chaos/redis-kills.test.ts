/** Chaos on Redis, records in Redis too: see shared-queue-kills.ts. */
import { it } from 'vitest';
import { useProcessScene } from '../support/process-scene.ts';
import { KILLS, runKills, SECONDS, SEED } from './shared-queue-kills.ts';

const scene = useProcessScene();

it(
  `keeps every told action, each side effect once and every chain intact through ${KILLS} SIGKILLs of bots and workers (seed ${SEED})`,
  { timeout: (SECONDS + 200) * 1000 },
  async () => {
    await runKills(scene, { label: 'redis', env: {} });
  },
);
