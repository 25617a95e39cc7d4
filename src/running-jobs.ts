/**
 * The jobs this process is in the middle of, so that a shutdown cut short can
 * name the steps it leaves behind.
 */
import type { Job, JobData, JobHandler } from './engine/contracts.ts';

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
  }
}

export class RunningJobs {
  private readonly jobs = new Map<string, JobData>();

  track(handler: JobHandler): JobHandler {
    return async (job: Job) => {
      this.jobs.set(job.id, job.data);
      try {
        await handler(job);
      } finally {
        this.jobs.delete(job.id);
      }
    };
  }

  /** "step 1.api (promotion #1)", one per running job. */
  list(): string[] {
    return [...this.jobs.values()].map(describe);
  }
}
