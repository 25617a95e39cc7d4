/**
 * Compensates a promotion: the steps it applied are rolled back in reverse
 * order; irreversible ones are left as they are and named. A rollback that
 * fails stops there, because undoing what the failed step depends on could
 * break it further.
 */
import { errorMessage } from '../errors.ts';
import type { Promotion, Step } from './model.ts';
import { appliedSteps, releaseEnvironment, rollbackCandidates } from './orchestrator.ts';
import { nowIso, throwIfLetGo, type CoreRuntime } from './runtime.ts';
import { prepareStep, type PreparedStep } from './step-context.ts';
import { untilAborted } from './step-runner.ts';

/** Steps to compensate, last finished first. */
export function rollbackOrder(promotion: Promotion): Step[] {
  return appliedSteps(promotion).sort((a, b) => b.wave - a.wave || (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
}

function setStep(runtime: CoreRuntime, promotionId: string, stepId: string, change: Partial<Step>): Promise<Promotion> {
  return runtime.store.updatePromotion(promotionId, (p) => ({
    ...p,
    steps: p.steps.map((s) => (s.id === stepId ? { ...s, ...change } : s)),
    updatedAt: nowIso(runtime),
  }));
}

async function leaveAsIs(runtime: CoreRuntime, promotionId: string, step: Step): Promise<void> {
  const note = step.status === 'failed' ? 'irreversible and failed part-way: check it by hand' : 'irreversible: left as it is';
  await setStep(runtime, promotionId, step.id, { rollbackNote: note });
  await runtime.audit.forPromotion(promotionId, {
    type: 'step.rollback_skipped',
    actor: 'baton',
    stepId: step.id,
    summary: `${step.component} ${step.version} is ${note}.`,
  });
}

async function rollBackStep(runtime: CoreRuntime, promotion: Promotion, step: Step): Promise<boolean> {
  await setStep(runtime, promotion.id, step.id, { status: 'rolling_back' });
  let prepared: PreparedStep;
  try {
    prepared = await prepareStep(runtime, promotion, step, 'fail');
  } catch (error) {
    await recordRollbackFailure(runtime, promotion.id, step, errorMessage(error));
    return false;
  }
  try {
    const rollback = prepared.adapter.rollback;
    if (!rollback || !step.before) throw new Error(`${step.component} cannot be rolled back`);
    const result = await untilAborted(rollback.call(prepared.adapter, prepared.context, step.before), prepared.context.signal);
    await runtime.store.setLedgerEntry(promotion.environment, step.component, step.ledgerBefore ?? null);
    await setStep(runtime, promotion.id, step.id, { status: 'rolled_back', log: [...prepared.logTail], error: undefined });
    await runtime.audit.forPromotion(promotion.id, {
      type: 'step.rolled_back',
      actor: 'baton',
      stepId: step.id,
      summary: `Rolled back ${step.component} to ${step.before.version ?? 'nothing'}: ${prepared.redactor.redact(result.summary)}`,
      before: { version: step.version },
      after: { version: step.before.version },
    });
    return true;
  } catch (error) {
    throwIfLetGo(runtime);
    await recordRollbackFailure(runtime, promotion.id, step, prepared.redactor.redact(errorMessage(error)));
    return false;
  } finally {
    prepared.dispose();
  }
}

async function recordRollbackFailure(runtime: CoreRuntime, promotionId: string, step: Step, message: string): Promise<void> {
  await setStep(runtime, promotionId, step.id, { status: 'rollback_failed', error: message });
  await runtime.audit.forPromotion(promotionId, {
    type: 'step.rollback_failed',
    actor: 'baton',
    stepId: step.id,
    summary: `Could not roll back ${step.component}: ${message}`,
  });
}

export async function runRollback(runtime: CoreRuntime, promotionId: string): Promise<void> {
  const promotion = await runtime.store.getPromotion(promotionId);
  if (promotion?.state !== 'rolling_back') return;
  const reversible = new Set(rollbackCandidates(promotion).map((s) => s.id));
  let stoppedAt: Step | undefined;
  for (const step of rollbackOrder(promotion)) {
    if (step.rollbackNote !== undefined) continue;
    if (!reversible.has(step.id)) {
      await leaveAsIs(runtime, promotionId, step);
      continue;
    }
    const current = (await runtime.store.getPromotion(promotionId)) ?? promotion;
    if (!(await rollBackStep(runtime, current, step))) {
      stoppedAt = step;
      break;
    }
  }
  const done = await runtime.store.updatePromotion(promotionId, (p) => {
    if (p.state !== 'rolling_back') return undefined;
    const kept = p.steps.filter((s) => s.rollbackNote !== undefined).map((s) => s.component);
    return {
      ...p,
      state: stoppedAt ? 'failed' : 'rolled_back',
      reason: stoppedAt
        ? `rollback stopped at ${stoppedAt.component}; steps before it were not rolled back. Fix the cause and run /promote rollback ${p.id} again.`
        : kept.length > 0
          ? `rolled back; ${kept.join(', ')} ${kept.length > 1 ? 'are' : 'is'} irreversible and kept`
          : 'rolled back',
      finishedAt: nowIso(runtime),
      updatedAt: nowIso(runtime),
    };
  });
  await runtime.audit.forPromotion(promotionId, {
    type: stoppedAt ? 'promotion.failed' : 'promotion.rolled_back',
    actor: 'baton',
    summary: `Promotion #${promotionId} ${done.reason ?? ''}.`,
    before: { state: 'rolling_back' },
    after: { state: done.state },
  });
  await releaseEnvironment(runtime, promotion.environment, promotionId);
}
