import type { Logger } from '../../core/ports.ts';
import { DEFAULT_NUDGE_DELAY_MS, type Engine } from '../contracts.ts';
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
  return {
    name: 'memory',
    health: async () => ({ ready: true, detail: 'in-process' }),
    store: new MemoryStore(options.dataDir, { compact: options.compact ?? true }),
    queue: new MemoryQueue(options.logger, { nudgeDelayMs }),
    outbox: new MemoryQueue(options.logger, { nudgeDelayMs }),
  };
}
