/**
 * The planning job: asks each step's adapter for a preview (which can be slow,
 * e.g. `terraform plan`), then opens the promotion for approval — or starts it
 * when the environment needs no approval.
 */
import { errorMessage } from '../errors.ts';
import type { Promotion, Step, StepPreview } from './model.ts';
import { startWhenFree } from './orchestrator.ts';
import { environmentNamed, nowIso, throwIfLetGo, type CoreRuntime } from './runtime.ts';
import { prepareStep } from './step-context.ts';
import { untilAborted } from './step-runner.ts';

const PREVIEWS_AT_ONCE = 8;

async function previewStep(runtime: CoreRuntime, promotion: Promotion, step: Step): Promise<StepPreview> {
  const prepared = await prepareStep(runtime, promotion, step, 'mark');
  try {
    const preview = await untilAborted(prepared.adapter.plan(prepared.context), prepared.context.signal);
    return {
      ...preview,
      summary: prepared.redactor.redact(preview.summary),
      details: preview.details.map((line) => prepared.redactor.redact(line)),
      // An adapter without rollback cannot undo, whatever its preview claims.
      reversible: preview.reversible && prepared.adapter.rollback !== undefined,
    };
  } finally {
    prepared.dispose();
  }
}

/** Previews every step of a promotion, a few at a time; a failed preview is kept as its error. */
export async function previewAll(runtime: CoreRuntime, promotion: Promotion): Promise<Map<string, StepPreview | Error>> {
  const steps = promotion.steps;
  const results = new Map<string, StepPreview | Error>();
  let next = 0;
  const worker = async () => {
    while (next < steps.length) {
      const step = steps[next++];
      if (!step) return;
      try {
        results.set(step.id, await previewStep(runtime, promotion, step));
      } catch (error) {
        results.set(step.id, error instanceof Error ? error : new Error(String(error)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PREVIEWS_AT_ONCE, steps.length) }, worker));
  return results;
}

export async function runPlanning(runtime: CoreRuntime, promotionId: string): Promise<void> {
  const promotion = await runtime.store.getPromotion(promotionId);
  if (promotion?.state !== 'planning') return;
  const results = await previewAll(runtime, promotion);
  throwIfLetGo(runtime);
  const failures = promotion.steps.flatMap((step) => {
    const result = results.get(step.id);
    return result instanceof Error ? [`${step.component}: ${errorMessage(result)}`] : [];
  });
  const environment = environmentNamed(runtime, promotion.environment);
  const needsApproval = environment.approvals.required > 0;
  const state = failures.length > 0 ? 'failed' : needsApproval ? 'awaiting_approval' : 'approved';
  const at = nowIso(runtime);
  const planned = await runtime.store.updatePromotion(promotionId, (p) => {
    if (p.state !== 'planning') return undefined;
    return {
      ...p,
      state,
      reason: failures.length > 0 ? `planning failed: ${failures.join('; ')}` : undefined,
      steps: p.steps.map((s) => {
        const preview = results.get(s.id);
        return preview instanceof Error || preview === undefined ? s : { ...s, preview };
      }),
      finishedAt: failures.length > 0 ? at : undefined,
      updatedAt: at,
    };
  });
  if (failures.length > 0) {
    await runtime.audit.forPromotion(promotionId, {
      type: 'promotion.plan_failed',
      actor: 'baton',
      summary: `Could not plan promotion #${promotionId}: ${failures.join('; ')}. Fix the cause and request it again.`,
      before: { state: 'planning' },
      after: { state: 'failed' },
    });
    return;
  }
  await runtime.audit.forPromotion(promotionId, {
    type: 'promotion.planned',
    actor: 'baton',
    summary: `Planned promotion #${promotionId}: ${planned.steps.length} step${planned.steps.length === 1 ? '' : 's'} in ${planned.waves.length} wave${planned.waves.length === 1 ? '' : 's'}.`,
    before: { state: 'planning' },
    after: { state },
    data: { steps: planned.steps.map((s) => ({ component: s.component, version: s.version, summary: s.preview?.summary, reversible: s.preview?.reversible })) },
  });
  if (!needsApproval) {
    await runtime.audit.forPromotion(promotionId, {
      type: 'promotion.approved',
      actor: 'baton',
      summary: `${promotion.environment} needs no approval: promotion #${promotionId} is approved.`,
      after: { state: 'approved' },
    });
    await startWhenFree(runtime, promotionId);
  }
}
