/**
 * Jobs on BullMQ. The job id is Baton's (a step id, say), so a step is queued
 * once however many replicas ask. A worker that dies mid-step leaves its job
 * stalled; once the lock lapses another worker takes it and the step runs
 * again with the same step id, which adapters use to recognise their work.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/capabilities.ts';
import type { Job, JobData, JobHandler, JobQueue, NudgeOptions } from '../contract.ts';
import { coalesced } from './coalesced-sends.ts';
import { NUDGE_STATE } from './scripts.ts';

export interface BullQueueOptions {
  connection: ConnectionOptions;
  /** A non-blocking connection for Baton's own scripts. */
  redis: Redis;
  name: string;
  /** Prefix of BullMQ's keys, beside the store's. */
  prefix: string;
  /**
   * How long a worker's claim on a job lasts without renewal. BullMQ's default
   * (30 s, checked every 30 s) leaves a killed worker's step idle for about a
   * minute; 4 s checked every second resumes it within 5 s.
   */
  lockDurationMs: number;
  stalledCheckMs: number;
  /**
   * How long a job nudged while another of its id runs waits before it runs,
   * gathering the nudges that follow: the tail of a burst reaches chat this
   * much later, in fewer, fuller updates.
   */
  nudgeDelayMs: number;
  logger: Logger;
}

const ATTEMPTS = 3;
const IDLE_POLL_MS = 20;

/** BullMQ keeps ids with a colon for its own keys. */
function bullJobId(id: string): string {
  return id.replaceAll(':', '_');
}

export class BullQueue implements JobQueue {
  readonly durable = true;
  private readonly queue: Queue<JobData>;
  private worker: Worker<JobData> | undefined;
  private readonly runs = new Map<string, Map<string, AbortController>>();
  private readonly coalescedNudge: (nudge: { job: Job; delayMs: number }) => Promise<void>;

  constructor(private readonly options: BullQueueOptions) {
    this.queue = new Queue<JobData>(options.name, { connection: options.connection, prefix: options.prefix });
    this.coalescedNudge = coalesced(
      ({ job }) => job.id,
      ({ job, delayMs }) => this.addNudge(job, delayMs),
    );
  }

  nudge(job: Job, options: NudgeOptions = {}): Promise<void> {
    return this.coalescedNudge({ job, delayMs: options.delayMs ?? 0 });
  }

  async add(job: Job): Promise<void> {
    await this.queue.add(job.data.kind, job.data, {
      jobId: bullJobId(job.id),
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 200 },
      // Finished jobs are kept for a day so that adding the same id again stays a no-op.
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  /**
   * BullMQ's deduplication keeps one waiting job per id; `keepLastIfActive`
   * queues the next one only when the running one finishes. The job gets a
   * fresh id of BullMQ's; the handler still sees the nudged id. A first
   * nudge runs at once; one made while a run is going waits `nudgeDelayMs`,
   * gathering what follows. While a nudged job waits, a cheap check stands in
   * for the add.
   */
  private async addNudge(job: Job, delayMs: number): Promise<void> {
    const id = bullJobId(job.id);
    const { keys } = this.queue;
    const state = await NUDGE_STATE.run(
      this.options.redis,
      [this.queue.toKey(`de:${id}`), keys.delayed ?? '', keys.wait ?? ''],
      [],
    );
    if (state === 1) return;
    await this.queue.add(job.data.kind, job.data, {
      deduplication: { id, keepLastIfActive: true },
      delay: Math.max(delayMs, state === 2 ? this.options.nudgeDelayMs : 0),
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 200 },
      // Nothing asks for a finished nudge by id again.
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  work(handler: JobHandler, options: { concurrency: number }): void {
    this.worker = new Worker<JobData>(
      this.queue.name,
      async (job, token) => {
        const jobId = job.id ?? '';
        const claim = new AbortController();
        const runs = this.runsOf(jobId);
        if (token !== undefined) runs.set(token, claim);
        try {
          await handler({
            id: job.deduplicationId ?? job.id ?? '',
            data: job.data,
            readyAt: job.timestamp + (job.delay ?? 0),
            claim: claim.signal,
          });
        } finally {
          if (token !== undefined) runs.delete(token);
          if (runs.size === 0 && this.runs.get(jobId) === runs) this.runs.delete(jobId);
        }
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: options.concurrency,
        lockDuration: this.options.lockDurationMs,
        stalledInterval: this.options.stalledCheckMs,
        // A step may be cut off more than once (say, two crashes); it must still run.
        maxStalledCount: 10,
      },
    );
    // A lock that could not be renewed has lapsed: the stalled-job check gives the job to a worker again.
    this.worker.on('lockRenewalFailed', (jobIds) => void this.letGo(jobIds));
    this.worker.on('failed', (job, error) => this.options.logger.error({ err: error, jobId: job?.id }, 'job failed'));
    this.worker.on('error', (error) => this.options.logger.error({ err: error }, 'job worker error'));
  }

  /** This process's runs of a job, by lock token: the same job may be fetched again here before an earlier run ends. */
  private runsOf(jobId: string): Map<string, AbortController> {
    let runs = this.runs.get(jobId);
    if (!runs) {
      runs = new Map();
      this.runs.set(jobId, runs);
    }
    return runs;
  }

  /** Stops every run of these jobs whose token no longer holds the job's lock; a run fetched since keeps going. */
  private async letGo(jobIds: string[]): Promise<void> {
    for (const jobId of jobIds) {
      const runs = this.runs.get(jobId);
      if (!runs) continue;
      const holder = await this.options.redis.get(this.queue.toKey(`${jobId}:lock`)).catch(() => null);
      for (const [token, claim] of runs) {
        if (token === holder) continue;
        this.options.logger.warn({ jobId }, 'lost the lock on a running job; stopping this run of it');
        claim.abort();
      }
    }
  }

  depth(): Promise<number> {
    return this.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
  }

  async drained(): Promise<void> {
    for (;;) {
      const busy = await this.queue.getJobCountByTypes(
        'active',
        'waiting',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      if (busy === 0) return;
      await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    }
  }

  /** Stops taking jobs and waits for running ones; queued jobs stay for other workers. */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
