/**
 * The embedded job queue: in-process, nothing to install. Jobs do not survive
 * a restart (`durable` is false), which is why the core marks promotions cut
 * off by a restart as interrupted.
 */
import type { Job, JobHandler, JobQueue, NudgeOptions } from '../contract.ts';
import type { Logger } from '../../core/capabilities.ts';

const ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;
// Remembered so that a job added again after it ran is still ignored.
const FINISHED_IDS_KEPT = 10_000;

interface Queued {
  job: Job;
  attempt: number;
  nudged: boolean;
  /** When it was put in line (ms since the epoch). */
  readyAt: number;
}

export class MemoryQueue implements JobQueue {
  readonly durable = false;
  private readonly waiting: Queued[] = [];
  private readonly known = new Set<string>();
  /** Nudged ids with a run waiting or going; `again` when nudged while it runs, no sooner than `againAfterMs` after it. */
  private readonly nudges = new Map<string, { running: boolean; again: boolean; againAfterMs: number }>();
  private readonly finished: string[] = [];
  private handler: JobHandler | undefined;
  private concurrency = 1;
  private running = 0;
  private delayed = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly options: { nudgeDelayMs: number },
  ) {}

  async add(job: Job): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed.');
    if (this.known.has(job.id)) return;
    this.known.add(job.id);
    this.waiting.push({ job, attempt: 1, nudged: false, readyAt: Date.now() });
    this.pump();
  }

  async nudge(job: Job, options: NudgeOptions = {}): Promise<void> {
    if (this.closed) throw new Error('The job queue is closed.');
    const delayMs = options.delayMs ?? 0;
    const nudge = this.nudges.get(job.id);
    if (nudge) {
      if (nudge.running) Object.assign(nudge, { again: true, againAfterMs: Math.max(nudge.againAfterMs, delayMs) });
      return;
    }
    this.nudges.set(job.id, { running: false, again: false, againAfterMs: 0 });
    const queued = { job, attempt: 1, nudged: true, readyAt: Date.now() };
    if (delayMs > 0) return this.later(delayMs, queued);
    this.waiting.push(queued);
    this.pump();
  }

  work(handler: JobHandler, options: { concurrency: number }): void {
    this.handler = handler;
    this.concurrency = Math.max(1, options.concurrency);
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.delayed;
  }

  private pump(): void {
    while (this.handler && !this.closed && this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (!next) break;
      this.running += 1;
      // Run on a later tick so `add` returns before the job starts, as with a real queue.
      setImmediate(() => void this.run(next));
    }
    this.notifyIfIdle();
  }

  private async run(queued: Queued): Promise<void> {
    const { job, attempt, nudged, readyAt } = queued;
    const nudge = nudged ? this.nudges.get(job.id) : undefined;
    if (nudge) nudge.running = true;
    try {
      await this.handler?.({ ...job, readyAt });
      this.done(queued);
    } catch (error) {
      if (attempt < ATTEMPTS && !this.closed) {
        this.logger.warn({ err: error, jobId: job.id, attempt }, 'job failed; trying again');
        // The retry sees whatever a nudge during this run was for.
        if (nudge) Object.assign(nudge, { running: false, again: false, againAfterMs: 0 });
        this.later(RETRY_DELAY_MS * attempt, { job, attempt: attempt + 1, nudged, readyAt });
      } else {
        this.logger.error({ err: error, jobId: job.id, attempt }, 'job failed for good');
        this.done(queued);
      }
    } finally {
      this.running -= 1;
      this.pump();
    }
  }

  private done({ job, nudged, readyAt }: Queued): void {
    if (!nudged) return this.forget(job.id);
    const nudge = this.nudges.get(job.id);
    if (nudge?.again && !this.closed) {
      const afterMs = Math.max(this.options.nudgeDelayMs, nudge.againAfterMs);
      Object.assign(nudge, { running: false, again: false, againAfterMs: 0 });
      this.later(afterMs, { job, attempt: 1, nudged, readyAt });
    } else {
      this.nudges.delete(job.id);
    }
  }

  /** Queues a run after `ms`; until then the queue is not idle. */
  private later(ms: number, queued: Queued): void {
    this.delayed += 1;
    setTimeout(() => {
      this.delayed -= 1;
      // Closed meanwhile: dropped like every queued job, or `close` would wait for a run that never comes.
      if (!this.closed) this.waiting.push({ ...queued, readyAt: Date.now() });
      this.pump();
    }, ms).unref();
  }

  private forget(id: string): void {
    this.finished.push(id);
    if (this.finished.length > FINISHED_IDS_KEPT) {
      const oldest = this.finished.shift();
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }

  private notifyIfIdle(): void {
    if (this.running > 0 || this.delayed > 0 || (this.waiting.length > 0 && this.handler)) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.notifyIfIdle();
    });
  }

  /** Lets running jobs finish; queued ones are dropped, as a restart would. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await this.drained();
  }
}
