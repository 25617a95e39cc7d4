/**
 * The Prometheus metrics of one Baton process, in a registry of its own:
 * tests start several Batons in one process, and prom-client's global
 * registry would mix their figures (and refuse the second set of names).
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds, from a quick step or click to a soak of hours. */
const LONG_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600];
/** Seconds a job waits for a worker: normally well under one. */
const QUEUE_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class BatonMetrics {
  readonly registry = new Registry();

  readonly stepDuration = new Histogram({
    name: 'baton_step_duration_seconds',
    help: 'How long a step took to apply (and verify), from its start to its result, by adapter kind and outcome (succeeded, failed).',
    labelNames: ['adapter', 'outcome'] as const,
    buckets: LONG_BUCKETS,
    registers: [this.registry],
  });

  readonly approvalWait = new Histogram({
    name: 'baton_approval_wait_seconds',
    help: 'How long a plan waited for approval, from being posted to being approved or rejected, by environment and outcome.',
    labelNames: ['environment', 'outcome'] as const,
    buckets: LONG_BUCKETS,
    registers: [this.registry],
  });

  readonly lockHeld = new Histogram({
    name: 'baton_environment_lock_held_seconds',
    help: 'How long a promotion held its environment (planning, running or rolling back), as timed by the process that took and gave it back.',
    labelNames: ['environment'] as const,
    buckets: LONG_BUCKETS,
    registers: [this.registry],
  });

  readonly queueWait = new Histogram({
    name: 'baton_queue_wait_seconds',
    help: 'How long a job waited between being ready to run and a worker of this process starting it, by queue (jobs: planning, steps, rollbacks; outbox: chat messages).',
    labelNames: ['queue'] as const,
    buckets: QUEUE_BUCKETS,
    registers: [this.registry],
  });

  readonly chatErrors = new Counter({
    name: 'baton_chat_errors_total',
    help: 'Calls to the chat platform that failed for another reason than a rate limit, by platform and call (post, update, reply).',
    labelNames: ['platform', 'call'] as const,
    registers: [this.registry],
  });

  readonly chatRateLimited = new Counter({
    name: 'baton_chat_rate_limited_total',
    help: 'Calls to the chat platform answered with 429 (rate limited); the outbox waits each out and sends again.',
    labelNames: ['platform', 'call'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The text exposition format Prometheus scrapes. */
  async exposition(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
