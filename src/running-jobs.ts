/**
 * The jobs this process is in the middle of, so that a shutdown cut short can
 * name the steps it leaves behind and let go of them.
 */
import { setMaxListeners } from 'node:events';
import type { Job, JobData, JobHandler } from './engine/contract.ts';
import { BatonError, ErrorCode } from './errors.ts';

function describe(data: JobData): string {
  switch (data.kind) {
    case 'step':
      return `step ${data.stepId} (promotion #${data.promotionId})`;
    case 'plan':
      return `planning of promotion #${data.promotionId}`;
    case 'rollback':
      return `rollback of promotion #${data.promotionId}`;
    case 'thread':
      return `chat messages of ${data.stream}`;
    case 'root':
      return `the plan message of promotion #${data.promotionId}`;
  }
}

export class RunningJobs {
  private readonly jobs = new Map<string, JobData>();
  private readonly handBack = new AbortController();
  /** Fires when this process lets go of its running jobs; give it to the core (`CoreRuntime.stopping`). */
  readonly stopping = this.handBack.signal;

  constructor() {
    // Every running step listens (and stops listening when it ends): more than ten at once is concurrency, not a leak.
    setMaxListeners(0, this.stopping);
  }

  track(handler: JobHandler): JobHandler {
    return async (job: Job) => {
      this.jobs.set(job.id, job.data);
      try {
        await handler(job);
      } catch (error) {
        // Let go: the queue is told nothing, so the job is neither retried as
        // failed nor completed; on Redis another worker takes it over once
        // this process's lock on it lapses.
        if (this.stopping.aborted) await new Promise<never>(() => {});
        throw error;
      } finally {
        this.jobs.delete(job.id);
      }
    };
  }

  /** Stops the running jobs' adapters (a deploy script gets SIGTERM) without recording an outcome for them. */
  handBackAll(): void {
    this.handBack.abort(
      new BatonError(
        ErrorCode.HandedBack,
        'Baton is stopping and let go of this job unfinished; another worker takes it over, or the next start marks it interrupted.',
      ),
    );
  }

  /** "step 1.api (promotion #1)", one per running job. */
  list(): string[] {
    return [...this.jobs.values()].map(describe);
  }
}
