import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryEngine } from '../../src/engine/memory/index.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { describeEngineContract, NUDGE_DELAY_MS } from './contract-suite.ts';

describeEngineContract('memory', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-memory-'));
  const engine = createMemoryEngine({ dataDir, logger: silentLogger, nudgeDelayMs: NUDGE_DELAY_MS });
  return {
    engine,
    reopen: async () => createMemoryEngine({ dataDir, logger: silentLogger }),
    cleanup: async () => {
      await engine.queue.close();
      await engine.outbox.close();
      await engine.store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
