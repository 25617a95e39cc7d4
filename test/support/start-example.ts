import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, type BatonOptions, type RunningBaton } from '../../src/app.ts';
import { silentLogger } from './silent-logger.ts';
import { TestClock } from './test-clock.ts';

export const EXAMPLE_CONFIG = 'config/baton.example.yaml';

export interface StartedBaton {
  baton: RunningBaton;
  clock: TestClock;
  dataDir: string;
  stop(): Promise<void>;
}

/** What a test may set beyond the config and the API token. */
export type ExampleOptions = Pick<BatonOptions, 'reconcileIntervalMs'>;

/** Baton on the bundled example (or another config), a fresh data folder and a free port. */
export async function startExampleBaton(configPath = EXAMPLE_CONFIG, apiToken?: string, options: ExampleOptions = {}): Promise<StartedBaton> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-e2e-'));
  const clock = new TestClock();
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    clock,
    retryDelayMs: 10,
    ...(apiToken ? { apiToken } : {}),
    ...options,
  });
  return {
    baton,
    clock,
    dataDir,
    async stop() {
      await baton.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
