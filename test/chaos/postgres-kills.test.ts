/**
 * Chaos on Redis with records in PostgreSQL: see shared-queue-kills.ts. A
 * process killed mid-transition leaves its transaction uncommitted, which
 * PostgreSQL rolls back when the connection drops: the checks find every
 * chain whole against its promotion's anchor, and nothing told missing.
 */
import { afterEach, it } from 'vitest';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres-database.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { KILLS, runKills, SECONDS, SEED } from './shared-queue-kills.ts';

let database: ThrowawayDatabase | undefined;
// Registered before the scene, so it runs after the scene has stopped the processes using the database.
afterEach(async () => {
  await database?.drop();
  database = undefined;
});
const scene = useProcessScene();

it(
  `keeps every told action, each side effect once and every chain intact in PostgreSQL through ${KILLS} SIGKILLs of bots and workers (seed ${SEED})`,
  { timeout: (SECONDS + 200) * 1000 },
  async () => {
    database = await createThrowawayDatabase();
    await runKills(scene, { label: 'redis+postgres', env: { DATABASE_URL: database.url } });
  },
);
