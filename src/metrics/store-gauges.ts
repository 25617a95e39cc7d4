/**
 * Figures read from the store when Prometheus scrapes: the same from every
 * bot and worker sharing it, and right after a restart.
 */
import { Gauge } from 'prom-client';
import type { Pipeline, PromotionState } from '../core/model.ts';
import type { Clock, Logger } from '../core/capabilities.ts';
import type { JobQueue, Store } from '../engine/contract.ts';
import type { BatonMetrics } from './baton-metrics.ts';

export interface GaugeSources {
  store: Store;
  pipeline: Pipeline;
  clock: Clock;
  logger: Logger;
  queues: Record<string, JobQueue>;
}

const ALL_STATES: readonly PromotionState[] = [
  'planning',
  'awaiting_approval',
  'approved',
  'running',
  'succeeded',
  'failed',
  'rejected',
  'rolling_back',
  'rolled_back',
  'interrupted',
];

/** Runs a scrape-time read; a store that cannot answer leaves the figure out of this scrape rather than failing every other. */
function readSafely(logger: Logger, what: string, read: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await read();
    } catch (error) {
      logger.warn({ err: error }, `could not read ${what} for /metrics`);
    }
  };
}

/** How old the oldest record not yet posted to chat is (0 when everything is out). */
async function outboxLagSeconds(store: Store, now: Date): Promise<number> {
  const [stream] = await store.unpostedStreams(1);
  if (stream === undefined) return 0;
  const [oldest] = await store.readAudit(stream, await store.threadCursor(stream));
  return oldest ? Math.max(0, now.getTime() - Date.parse(oldest.at)) / 1000 : 0;
}

export function registerStoreGauges(metrics: BatonMetrics, sources: GaugeSources): void {
  const { store, pipeline, clock, logger, queues } = sources;
  const registers = [metrics.registry];
  const promotions: Gauge<'environment' | 'state'> = new Gauge({
    name: 'baton_promotions',
    help: 'Promotions in the records, by environment and state (every state of every environment is present, 0 when none).',
    labelNames: ['environment', 'state'] as const,
    registers,
    collect: readSafely(logger, 'promotions', async () => {
      const counts = new Map<string, number>();
      for (const promotion of await store.listPromotions())
        counts.set(
          `${promotion.environment}\u0000${promotion.state}`,
          (counts.get(`${promotion.environment}\u0000${promotion.state}`) ?? 0) + 1,
        );
      promotions.reset();
      for (const environment of pipeline.environments) {
        for (const state of ALL_STATES)
          promotions.set(
            { environment: environment.name, state },
            counts.get(`${environment.name}\u0000${state}`) ?? 0,
          );
      }
    }),
  });
  const outboxLag: Gauge = new Gauge({
    name: 'baton_outbox_lag_seconds',
    help: 'Age of the oldest audit record not yet posted to chat: 0 when every thread is up to date.',
    registers,
    collect: readSafely(logger, 'the outbox lag', async () => {
      outboxLag.set(await outboxLagSeconds(store, clock.now()));
    }),
  });
  const queueDepth: Gauge<'queue'> = new Gauge({
    name: 'baton_queue_depth',
    help: 'Jobs waiting to start (queued or delayed, not running), by queue (jobs: planning, steps, rollbacks; outbox: chat messages).',
    labelNames: ['queue'] as const,
    registers,
    collect: readSafely(logger, 'the queue depth', async () => {
      for (const [name, queue] of Object.entries(queues)) queueDepth.set({ queue: name }, await queue.depth());
    }),
  });
}
