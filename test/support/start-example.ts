import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, type BatonOptions, type RunningBaton } from '../../src/app.ts';
import { TEST_API_TOKENS } from './api-tokens.ts';
import { silentLogger } from './silent-logger.ts';
import { TestClock } from './test-clock.ts';

export const EXAMPLE_CONFIG = 'config/baton.example.yaml';

export interface StartedBaton {
  baton: RunningBaton;
  clock: TestClock;
  dataDir: string;
  stop(): Promise<void>;
}

/** What a test may set beyond the config and the API tokens. */
export type ExampleOptions = Partial<
  Pick<
    BatonOptions,
    'reconcileIntervalMs' | 'allowedHosts' | 'apiToken' | 'logger' | 'login' | 'metricsPort' | 'auditKeys'
  >
>;

/** Baton on the bundled example (or another config), a fresh data folder and a free port; the test API tokens by default. */
export async function startExampleBaton(
  configPath = EXAMPLE_CONFIG,
  apiTokens: BatonOptions['apiTokens'] = TEST_API_TOKENS,
  options: ExampleOptions = {},
): Promise<StartedBaton> {
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
    apiTokens,
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
