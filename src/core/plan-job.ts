/**
 * Previews of a promotion's steps (which can be slow, e.g. `terraform plan`),
 * and the planning job that turns them into a plan to approve.
 */
import { createHash } from 'node:crypto';
import { errorMessage } from '../errors.ts';
import { approversOf } from './approvers.ts';
import type { PromotionEvent } from './audit.ts';
import { transition } from './gate.ts';
import type { Promotion, Step } from './model.ts';
import type { StepPreview } from './adapter-contract.ts';
import { ledgerBasis, freeEnvironment, startWhenFree, takeEnvironment } from './scheduler.ts';
import { environmentNamed, nowIso, throwIfHandedBack, type CoreRuntime } from './runtime.ts';
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
export async function previewAll(
  runtime: CoreRuntime,
  promotion: Promotion,
): Promise<Map<string, StepPreview | Error>> {
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

/** A digest of the steps and what their previews say: approvals bind to it. */
export function planDigest(steps: readonly Step[]): string {
  const plan = steps.map((s) => ({
    component: s.component,
    version: s.version,
    preview: s.preview
      ? {
          summary: s.preview.summary,
          details: s.preview.details,
          reversible: s.preview.reversible,
          changes: s.preview.changes,
        }
      : null,
  }));
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

/** What a new plan changed from the one approved, in words. */
function planChanges(before: readonly Step[], after: readonly Step[]): string[] {
  return after.flatMap((step) => {
    const old = before.find((s) => s.id === step.id);
    if (!old) return [];
    if (old.preview?.summary !== step.preview?.summary)
      return [
        `${step.component}: ${step.preview?.summary ?? 'no preview'} (was: ${old.preview?.summary ?? 'no preview'})`,
      ];
    if (planDigest([old]) !== planDigest([step])) return [`${step.component}: its preview's details changed`];
    return [];
  });
}

/**
 * The planning job: takes the environment (no preview runs while another
 * promotion changes it), previews every step, and opens the promotion for
 * approval or starts it. Planned again after its environment changed, it goes
 * on when the plan is the same and asks for approval again when it is not.
 */
export async function runPlanning(runtime: CoreRuntime, promotionId: string): Promise<void> {
  const promotion = await runtime.store.getPromotion(promotionId);
  if (promotion?.state !== 'planning' || promotion.reason !== undefined) return;
  if (!(await takeEnvironment(runtime, promotion))) return;
  const ledger = await runtime.store.getLedger(promotion.environment);
  // What the environment runs now, not when the promotion was requested: another may have finished since.
  const steps = promotion.steps.map((s) => ({ ...s, previousVersion: ledger[s.component]?.version ?? null }));
  const results = await previewAll(runtime, { ...promotion, steps });
  throwIfHandedBack(runtime);
  const failures = steps.flatMap((step) => {
    const result = results.get(step.id);
    return result instanceof Error ? [`${step.component}: ${errorMessage(result)}`] : [];
  });
  const environment = environmentNamed(runtime, promotion.environment);
  const planned = steps.map((s) => {
    const preview = results.get(s.id);
    return preview instanceof Error || preview === undefined ? s : { ...s, preview };
  });
  const digest = planDigest(planned);
  const replanned = promotion.planDigest !== undefined;
  const unchanged = replanned && digest === promotion.planDigest;
  const needsApproval = environment.approvals.required > 0 && !unchanged;
  const state = failures.length > 0 ? 'failed' : needsApproval ? 'awaiting_approval' : 'approved';
  const approvers =
    state === 'awaiting_approval' ? await approversOf(runtime, environment, promotion.requestedBy) : undefined;
  const at = nowIso(runtime);
  const { promotion: moved } = await transition(runtime, promotionId, (p) => {
    if (p.state !== 'planning') return undefined;
    const next: Promotion = {
      ...p,
      state,
      reason: failures.length > 0 ? `planning failed: ${failures.join('; ')}` : undefined,
      steps: planned,
      planDigest: digest,
      planBasis: ledgerBasis(ledger),
      approvals: unchanged ? p.approvals : [],
      approvers,
      finishedAt: failures.length > 0 ? at : undefined,
      updatedAt: at,
    };
    return { promotion: next, events: planEvents(p, next, failures, replanned, unchanged) };
  });
  if (moved.state === 'approved') await startWhenFree(runtime, promotionId);
  else await freeEnvironment(runtime, promotion.environment, promotionId);
}

function planEvents(
  before: Promotion,
  after: Promotion,
  failures: string[],
  replanned: boolean,
  unchanged: boolean,
): PromotionEvent[] {
  const id = after.id;
  if (failures.length > 0) {
    return [
      {
        type: 'promotion.plan_failed',
        actor: 'baton',
        summary: `Could not plan promotion #${id}: ${failures.join('; ')}. Fix the cause and request it again.`,
        before: { state: 'planning' },
        after: { state: 'failed' },
      },
    ];
  }
  if (replanned) {
    const changes = planChanges(before.steps, after.steps);
    return [
      {
        type: 'promotion.replanned',
        actor: 'baton',
        summary: unchanged
          ? `Planned promotion #${id} again: the plan is the same as the one approved, so it goes on.`
          : after.state === 'awaiting_approval'
            ? `Planned promotion #${id} again and the plan changed, so it needs approval again: ${changes.join('; ') || 'the previews differ'}.`
            : `Planned promotion #${id} again and the plan changed (${changes.join('; ') || 'the previews differ'}); ${after.environment} needs no approval, so it goes on.`,
        before: { state: 'planning' },
        after: { state: after.state },
        data: { changes },
      },
    ];
  }
  const events: PromotionEvent[] = [
    {
      type: 'promotion.planned',
      actor: 'baton',
      summary: `Planned promotion #${id}: ${after.steps.length} step${after.steps.length === 1 ? '' : 's'} in ${after.waves.length} wave${after.waves.length === 1 ? '' : 's'}.`,
      before: { state: 'planning' },
      after: { state: after.state },
      data: {
        steps: after.steps.map((s) => ({
          component: s.component,
          version: s.version,
          summary: s.preview?.summary,
          reversible: s.preview?.reversible,
        })),
      },
    },
  ];
  if (after.state === 'approved') {
    events.push({
      type: 'promotion.approved',
      actor: 'baton',
      summary: `${after.environment} needs no approval: promotion #${id} is approved.`,
      after: { state: 'approved' },
    });
  }
  return events;
}
