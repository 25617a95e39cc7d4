/**
 * Moves a running promotion forward: queues the steps whose needs are done,
 * skips the rest after a failure, and finishes the promotion when nothing is
 * left — then hands the environment to the next promotion waiting for it.
 */
import type { PromotionEvent } from './audit.ts';
import { transition, type Move } from './gate.ts';
import { isTerminal, type Promotion, type Step } from './model.ts';
import { rollbackCandidates, appliedSteps } from './applied-steps.ts';
import { nowIso, type CoreRuntime } from './runtime.ts';
import { freeEnvironment } from './scheduler.ts';

export function stepJobId(step: Step): string {
  return `step.${step.id}`;
}

function nextProgress(promotion: Promotion, at: string): Promotion | undefined {
  if (promotion.state !== 'running') return undefined;
  const failed = promotion.steps.some((s) => s.status === 'failed');
  const succeeded = new Set(promotion.steps.filter((s) => s.status === 'succeeded').map((s) => s.component));
  let changed = false;
  const steps = promotion.steps.map((step): Step => {
    if (step.status !== 'pending') return step;
    if (failed) {
      changed = true;
      return { ...step, status: 'skipped', finishedAt: at };
    }
    if (step.needs.every((need) => succeeded.has(need))) {
      changed = true;
      return { ...step, status: 'queued' };
    }
    return step;
  });
  const busy = steps.some((s) => s.status === 'pending' || s.status === 'queued' || s.status === 'running');
  if (!busy) {
    const failedStep = steps.find((s) => s.status === 'failed');
    return {
      ...promotion,
      steps,
      state: failed ? 'failed' : 'succeeded',
      reason: failedStep ? `${failedStep.component} failed: ${failedStep.error ?? 'no message'}` : undefined,
      finishedAt: at,
      updatedAt: at,
    };
  }
  return changed ? { ...promotion, steps, updatedAt: at } : undefined;
}

/**
 * Applies `change` (a step's result and its record, say) and what it lets
 * move on, in one move through the gate with the records of steps skipped and
 * of the promotion's end: a step's end, the next steps' start and the records
 * of both cost one write, and a crash keeps all of them or none. Then queues
 * the steps that became ready, and hands the environment on when the
 * promotion finished.
 */
export async function moveOn(
  runtime: CoreRuntime,
  promotionId: string,
  change: (current: Promotion) => Move | undefined = () => undefined,
): Promise<void> {
  let before: Promotion | undefined;
  let after: Promotion | undefined;
  await transition(runtime, promotionId, (current) => {
    before = undefined;
    after = undefined;
    const changed = change(current);
    const next = nextProgress(changed?.promotion ?? current, nowIso(runtime));
    if (!next) return changed;
    before = current;
    after = next;
    return {
      ...changed,
      promotion: next,
      events: [...(changed?.events ?? []), ...progressEvents(current, next)],
      ...(next.state === 'succeeded' ? { verified: next.release.versions } : {}),
    };
  });
  if (!before || !after) return;
  const statusBefore = new Map(before.steps.map((s) => [s.id, s.status]));
  // Sent together: a wave of twenty steps is one burst to the queue, not twenty waits.
  await Promise.all(
    after.steps
      .filter((step) => step.status === 'queued' && statusBefore.get(step.id) === 'pending')
      .map((step) => runtime.queue.add({ id: stepJobId(step), data: { kind: 'step', promotionId, stepId: step.id } })),
  );
  if (after.state !== before.state) await freeEnvironment(runtime, after.environment, after.id);
}

/** The records of a change of progress: steps skipped after a failure, and the promotion's end. */
function progressEvents(before: Promotion, after: Promotion): PromotionEvent[] {
  const statusBefore = new Map(before.steps.map((s) => [s.id, s.status]));
  const events: PromotionEvent[] = after.steps
    .filter((step) => step.status === 'skipped' && statusBefore.get(step.id) === 'pending')
    .map((step) => ({
      type: 'step.skipped',
      actor: 'baton',
      stepId: step.id,
      summary: `Skipped ${step.component} ${step.version}: an earlier step failed.`,
    }));
  if (after.state !== before.state) events.push(endEvent(after));
  return events;
}

function endEvent(promotion: Promotion): PromotionEvent {
  if (promotion.state === 'succeeded') {
    return {
      type: 'promotion.succeeded',
      actor: 'baton',
      summary: `Promotion #${promotion.id} succeeded: ${promotion.environment} now runs ${promotion.steps.map((s) => `${s.component} ${s.version}`).join(', ')}.`,
      before: { state: 'running' },
      after: { state: 'succeeded' },
    };
  }
  const reversible = rollbackCandidates(promotion).map((s) => s.component);
  const irreversible = appliedSteps(promotion)
    .filter((s) => s.preview?.reversible !== true)
    .map((s) => s.component);
  return {
    type: 'promotion.failed',
    actor: 'baton',
    summary: `Promotion #${promotion.id} failed: ${(promotion.reason ?? 'a step failed').replace(/\.$/, '')}.`,
    before: { state: 'running' },
    after: { state: 'failed' },
    data: { rollbackOffered: reversible.length > 0, reversible, irreversible },
  };
}

/**
 * Moves a running promotion on after an interruption: a worker that died
 * after recording a step's result, or between marking the next steps queued
 * and queueing them, left it waiting for nothing. Queueing is by step id, so
 * a step already queued is not queued twice, and a step that ran is not run again.
 */
export async function resumeProgress(runtime: CoreRuntime, promotionId: string): Promise<void> {
  await moveOn(runtime, promotionId);
  const promotion = await runtime.store.getPromotion(promotionId);
  // Finished by a worker that died before letting go of the environment: the next promotion need not wait for the reconcile.
  if (
    promotion &&
    isTerminal(promotion.state) &&
    (await runtime.store.lockHolder(promotion.environment)) === promotion.id
  ) {
    await freeEnvironment(runtime, promotion.environment, promotion.id);
  }
  if (promotion?.state !== 'running') return;
  await Promise.all(
    promotion.steps
      .filter((step) => step.status === 'queued')
      .map((step) => runtime.queue.add({ id: stepJobId(step), data: { kind: 'step', promotionId, stepId: step.id } })),
  );
}
