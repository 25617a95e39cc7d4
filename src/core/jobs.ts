/** The queue's handler: every job kind the core runs. */
import type { Job } from '../engine/contract.ts';
import { runPlanning } from './plan-job.ts';
import { runRollbackStep } from './rollback.ts';
import { throwIfHandedBack, type CoreRuntime } from './runtime.ts';
import { runStep } from './step-runner.ts';

export async function runJob(runtime: CoreRuntime, job: Job): Promise<void> {
  // A process that let go of its jobs starts none: the one taking over runs it.
  throwIfHandedBack(runtime);
  switch (job.data.kind) {
    case 'plan':
      return runPlanning(runtime, job.data.promotionId);
    case 'step':
      return runStep(runtime, job.data.promotionId, job.data.stepId, job.claim);
    case 'rollback':
      return runRollbackStep(runtime, job.data.promotionId, job.data.stepId, job.claim);
    case 'thread':
    case 'root':
      throw new Error('Chat messages are posted from the outbox, not the job queue.');
  }
}
