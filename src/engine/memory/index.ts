import type { Logger } from '../../core/capabilities.ts';
import { DEFAULT_NUDGE_DELAY_MS, type Engine } from '../contract.ts';
import { MemoryQueue } from './memory-queue.ts';
import { MemoryStore } from './memory-store.ts';

/** The embedded engine: one process, files under `dataDir`, nothing to install. */
export interface MemoryEngineOptions {
  dataDir?: string;
  logger: Logger;
  compact?: boolean;
  /** How long a nudge made while its job runs waits (see DEFAULT_NUDGE_DELAY_MS). */
  nudgeDelayMs?: number;
}

export function createMemoryEngine(options: MemoryEngineOptions): Engine {
  const nudgeDelayMs = options.nudgeDelayMs ?? DEFAULT_NUDGE_DELAY_MS;
  const store = new MemoryStore(options.dataDir, { compact: options.compact ?? true });
  const cut = store.repaired;
  return {
    name: 'memory',
    ...(cut
      ? {
          repaired: `${cut.file}: cut ${cut.bytes} bytes of line ${cut.line}, a write a crash left unfinished; every line before it is kept`,
        }
      : {}),
    health: async () => ({ ready: true, detail: 'in-process' }),
    store,
    queue: new MemoryQueue(options.logger, { nudgeDelayMs }),
    outbox: new MemoryQueue(options.logger, { nudgeDelayMs }),
  };
}
