/**
 * A promotion's plan without the promotion: the steps, their previews and
 * the policy verdict, for `--dry-run` and `baton plan`. Nothing is stored.
 */
import type { Promotion, Release, Step } from './model.ts';
import { buildStepGraph } from './step-graph.ts';
import { previewAll } from './plan-job.ts';
import type { PolicyCheck } from './policy.ts';
import { nowIso, type CoreRuntime } from './runtime.ts';

export interface DryRunPlan {
  release: Release;
  environment: string;
  steps: Step[];
  waves: string[][];
  checks: PolicyCheck[];
  /** Steps whose preview failed, with the reason. */
  previewErrors: Record<string, string>;
}

export async function planWithoutPromoting(
  runtime: CoreRuntime,
  release: Release,
  environment: string,
  requestedBy: string,
  checks: PolicyCheck[],
): Promise<DryRunPlan> {
  const at = nowIso(runtime);
  const graph = buildStepGraph(runtime.pipeline, release, 'dry-run', await runtime.store.getLedger(environment));
  const draft: Promotion = {
    id: 'dry-run',
    release,
    environment,
    requestedBy,
    requestedAt: at,
    channel: '',
    state: 'planning',
    steps: graph.steps,
    waves: graph.waves,
    approvals: [],
    updatedAt: at,
  };
  const previews = await previewAll(runtime, draft);
  const previewErrors: Record<string, string> = {};
  const steps = graph.steps.map((step) => {
    const preview = previews.get(step.id);
    if (preview instanceof Error) {
      previewErrors[step.component] = preview.message;
      return step;
    }
    return preview ? { ...step, preview } : step;
  });
  return { release, environment, steps, waves: graph.waves, checks, previewErrors };
}
