import type { Logger } from '../../core/ports.ts';
import type { Engine } from '../contracts.ts';
import { MemoryQueue } from './memory-queue.ts';
import { MemoryStore } from './memory-store.ts';

/** The embedded engine: one process, files under `dataDir`, nothing to install. */
export function createMemoryEngine(options: { dataDir?: string; logger: Logger; compact?: boolean }): Engine {
  return {
    name: 'memory',
    health: async () => ({ ready: true, detail: 'in-process' }),
    store: new MemoryStore(options.dataDir, { compact: options.compact ?? true }),
    queue: new MemoryQueue(options.logger),
    outbox: new MemoryQueue(options.logger),
  };
}
