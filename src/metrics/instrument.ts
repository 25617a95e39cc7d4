/** Puts the metrics of one process around its engine and core, from the composition root. */
import type { CoreRuntime } from '../core/runtime.ts';
import type { Engine } from '../engine/contract.ts';
import { observeAuditRecords } from './audit-observations.ts';
import type { BatonMetrics } from './baton-metrics.ts';
import { registerDoraGauges } from './dora-gauges.ts';
import { registerStoreGauges } from './store-gauges.ts';
import { timedQueue } from './timed-jobs.ts';
import { timedLocks } from './timed-locks.ts';

/** The engine as the core should use it: lock holds and queue waits timed. */
export function instrumentEngine(engine: Engine, metrics: BatonMetrics): Engine {
  return {
    ...engine,
    store: timedLocks(engine.store, metrics),
    queue: timedQueue(engine.queue, 'jobs', metrics),
    outbox: timedQueue(engine.outbox, 'outbox', metrics),
  };
}

/** Figures taken from the core's audit records and read from its store at each scrape. */
export function observeCore(metrics: BatonMetrics, runtime: CoreRuntime, outbox: Engine['outbox']): void {
  observeAuditRecords(runtime.audit, runtime.store, metrics, runtime.logger);
  registerStoreGauges(metrics, {
    store: runtime.store,
    pipeline: runtime.pipeline,
    clock: runtime.clock,
    logger: runtime.logger,
    queues: { jobs: runtime.queue, outbox },
  });
  registerDoraGauges(metrics, runtime);
}
