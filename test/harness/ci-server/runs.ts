/**
 * Workflow runs in the CI server stand-in: each goes queued → in_progress →
 * completed on timers, like a GitHub Actions run, and a successful run
 * deploys its `version` input to its `environment` input.
 */

export type RunStatus = 'queued' | 'in_progress' | 'completed';
export type RunConclusion = 'success' | 'failure' | 'cancelled';
/** How runs end; `never` leaves them in_progress, for timeouts. */
export type RunEnding = RunConclusion | 'never';

export interface WorkflowRun {
  id: number;
  workflow: string;
  status: RunStatus;
  conclusion: RunConclusion | null;
  inputs: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export interface RunTimings {
  queuedMs: number;
  runningMs: number;
}

export class RunBook {
  readonly runs: WorkflowRun[] = [];
  readonly deployed = new Map<string, string>();
  ending: RunEnding = 'success';
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly timings: RunTimings) {}

  start(workflow: string, inputs: Record<string, string>): WorkflowRun {
    const now = new Date().toISOString();
    const run: WorkflowRun = {
      id: this.runs.length + 1,
      workflow,
      status: 'queued',
      conclusion: null,
      inputs,
      created_at: now,
      updated_at: now,
    };
    this.runs.push(run);
    const ending = this.ending;
    this.later(this.timings.queuedMs, () => this.update(run, 'in_progress', null));
    if (ending !== 'never') {
      this.later(this.timings.queuedMs + this.timings.runningMs, () => this.finish(run, ending));
    }
    return run;
  }

  find(id: number): WorkflowRun | undefined {
    return this.runs.find((run) => run.id === id);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private update(run: WorkflowRun, status: RunStatus, conclusion: RunConclusion | null): void {
    run.status = status;
    run.conclusion = conclusion;
    run.updated_at = new Date().toISOString();
  }

  private finish(run: WorkflowRun, conclusion: RunConclusion): void {
    const { environment, version } = run.inputs;
    if (conclusion === 'success' && environment !== undefined && version !== undefined)
      this.deployed.set(environment, version);
    this.update(run, 'completed', conclusion);
  }
}
