/**
 * Compensates a promotion: each step it applied whose change the environment
 * still runs is rolled back, last finished first, one queued job per step
 * holding the environment. A component a newer promotion changed since is
 * kept and named; irreversible steps are left as they are. A rollback step
 * that fails stops the rollback, because undoing what the failed step depends
 * on could break it further.
 */
import { errorMessage } from '../errors.ts';
import type { PromotionEvent } from './audit.ts';
import { appliedSteps } from './applied-steps.ts';
import { transition, type Move } from './gate.ts';
import type { Ledger, Promotion, Step } from './model.ts';
import { nowIso, throwIfHandedBack, type CoreRuntime } from './runtime.ts';
import { freeEnvironment } from './scheduler.ts';
import { claimLapsed, StepTakenOver, throwIfNotHeld } from './step-claim.ts';
import { prepareStep, type PreparedStep } from './step-context.ts';
import { retrying, untilAborted } from './step-runner.ts';

/** Steps to compensate, in reverse `needs` order: later waves first, and within a wave the last finished first. */
export function rollbackOrder(promotion: Promotion): Step[] {
  return appliedSteps(promotion).sort(
    (a, b) => b.wave - a.wave || (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''),
  );
}

/** What a rollback would undo, and what it keeps with the reason. */
export interface RollbackScope {
  undo: Step[];
  kept: { step: Step; note: string }[];
}

/** Why the environment no longer runs what `step` put there, or undefined when it still does. */
function changedSince(promotion: Promotion, step: Step, ledger: Ledger): string | undefined {
  const entry = ledger[step.component];
  // A step that failed part-way never reached the ledger: it still holds what the step replaced, unless someone changed it since.
  const expected = step.status === 'failed' ? step.ledgerBefore : { promotionId: promotion.id, version: step.version };
  if (
    (entry?.promotionId ?? null) === (expected?.promotionId ?? null) &&
    (entry?.version ?? null) === (expected?.version ?? null)
  )
    return undefined;
  if (!entry) return `${step.component} runs nothing Baton promoted now; promote the version you want.`;
  return `${step.component} runs ${entry.version} from #${entry.promotionId} now; roll back #${entry.promotionId} first, or promote the version you want.`;
}

export function rollbackScope(promotion: Promotion, ledger: Ledger): RollbackScope {
  const scope: RollbackScope = { undo: [], kept: [] };
  for (const step of rollbackOrder(promotion)) {
    if (step.preview?.reversible !== true) {
      const note =
        step.status === 'failed' ? 'irreversible and failed part-way: check it by hand' : 'irreversible: left as it is';
      scope.kept.push({ step, note: `${step.component} ${step.version} is ${note}.` });
      continue;
    }
    const changed = changedSince(promotion, step, ledger);
    if (changed) scope.kept.push({ step, note: changed });
    else scope.undo.push(step);
  }
  return scope;
}

function rollbackJobId(promotion: Promotion, step: Step): string {
  return `rollback.${step.id}.${promotion.rollbackRound ?? 0}`;
}

/** The next step a running rollback undoes, if any. */
function nextToUndo(promotion: Promotion): Step | undefined {
  return rollbackOrder(promotion).find((s) => s.rollbackNote === undefined);
}

/** Sends a rolling-back promotion's next step to the queue; finishes it when none is left. */
export async function queueNextRollbackStep(runtime: CoreRuntime, promotion: Promotion): Promise<void> {
  const next = nextToUndo(promotion);
  if (next) {
    await runtime.queue.add({
      id: rollbackJobId(promotion, next),
      data: { kind: 'rollback', promotionId: promotion.id, stepId: next.id },
    });
    return;
  }
  const { promotion: done } = await transition(runtime, promotion.id, (p) =>
    p.state === 'rolling_back' && !nextToUndo(p) ? finishRollback(runtime, p) : undefined,
  );
  if (done.state !== 'rolling_back') await freeEnvironment(runtime, done.environment, done.id);
}

/** The move that ends a rollback: rolled back, or failed at the step that could not be undone. */
function finishRollback(runtime: CoreRuntime, promotion: Promotion, stoppedAt?: Step): Move {
  const kept = promotion.steps.filter((s) => s.rollbackNote !== undefined);
  const irreversible = kept.filter((s) => s.preview?.reversible !== true).map((s) => s.component);
  const changed = kept.filter((s) => s.preview?.reversible === true).map((s) => s.component);
  const keptWords = [
    ...(irreversible.length > 0
      ? [`${irreversible.join(', ')} ${irreversible.length > 1 ? 'are' : 'is'} irreversible and kept`]
      : []),
    ...(changed.length > 0
      ? [`${changed.join(', ')} ${changed.length > 1 ? 'were' : 'was'} changed since by a newer promotion and kept`]
      : []),
  ];
  const reason = stoppedAt
    ? `rollback stopped at ${stoppedAt.component}; steps before it were not rolled back. Fix the cause and run /promote rollback ${promotion.id} again.`
    : keptWords.length > 0
      ? `rolled back; ${keptWords.join('; ')}`
      : 'rolled back';
  const state = stoppedAt ? 'failed' : 'rolled_back';
  return {
    promotion: { ...promotion, state, reason, finishedAt: nowIso(runtime), updatedAt: nowIso(runtime) },
    events: [
      {
        type: stoppedAt ? 'promotion.failed' : 'promotion.rolled_back',
        actor: 'baton',
        summary: `Promotion #${promotion.id} ${reason}.`,
        before: { state: 'rolling_back' },
        after: { state },
      },
    ],
  };
}

/**
 * A rollback's programs are filed apart from its step's: a rollback taken
 * over stops what the cut-off undo left running, never a service the apply
 * started and left running on purpose.
 */
function rollbackPrograms(step: Step): string {
  return `${step.id}:rollback`;
}

function withStep(promotion: Promotion, stepId: string, change: Partial<Step>, at: string): Promotion {
  return {
    ...promotion,
    steps: promotion.steps.map((s) => (s.id === stepId ? { ...s, ...change } : s)),
    updatedAt: at,
  };
}

/**
 * The rollback job: undoes one step, records it with the ledger entry it
 * restores, and moves on to the next. `claim` fires when this worker's hold
 * on the job lapses: the undo stops, and the worker that takes it over runs it.
 */
export async function runRollbackStep(
  runtime: CoreRuntime,
  promotionId: string,
  stepId: string,
  claim?: AbortSignal,
): Promise<void> {
  const current = await runtime.store.getPromotion(promotionId);
  const step = current?.steps.find((s) => s.id === stepId);
  if (!current || current.state !== 'rolling_back' || !step) return;
  if (step.rollbackNote !== undefined || !appliedSteps(current).some((s) => s.id === stepId)) {
    // Done before a crash cut the job off: carry on from there.
    await queueNextRollbackStep(runtime, current);
    return;
  }
  if (step.status === 'rolling_back') await runtime.programs.stopLeftovers(rollbackPrograms(step));
  const { promotion } = await transition(runtime, promotionId, (p) =>
    p.steps.find((s) => s.id === stepId)?.status === 'rolling_back'
      ? undefined
      : { promotion: withStep(p, stepId, { status: 'rolling_back' }, nowIso(runtime)), events: [] },
  );
  let outcome: UndoOutcome;
  try {
    outcome = await undoStep(runtime, promotion, step, claim);
  } catch (error) {
    if (!(error instanceof StepTakenOver)) throw error;
    runtime.logger.warn({ promotionId, stepId }, `stopped undoing ${error.message}`);
    return;
  }
  // The undo ended as the hold lapsed: the worker taking it over undoes it again and records that.
  if (claim?.aborted) return;
  const { promotion: after } = await transition(runtime, promotionId, (p) => {
    if (p.state !== 'rolling_back' || p.steps.find((s) => s.id === stepId)?.status !== 'rolling_back') return undefined;
    const at = nowIso(runtime);
    if (!outcome.ok) {
      const failed = withStep(
        p,
        stepId,
        { status: 'rollback_failed', error: outcome.message, log: outcome.logTail },
        at,
      );
      const end = finishRollback(runtime, failed, step);
      return { promotion: end.promotion, events: [outcome.event, ...end.events] };
    }
    const undone = withStep(p, stepId, { status: 'rolled_back', log: outcome.logTail, error: undefined }, at);
    const move: Move = {
      promotion: undone,
      events: [outcome.event],
      ledger: [{ component: step.component, entry: step.ledgerBefore ?? null }],
    };
    if (nextToUndo(undone)) return move;
    const end = finishRollback(runtime, undone);
    return { ...move, promotion: end.promotion, events: [...move.events, ...end.events] };
  });
  if (after.state === 'rolling_back') await queueNextRollbackStep(runtime, after);
  else await freeEnvironment(runtime, after.environment, after.id);
}

type UndoOutcome =
  | { ok: true; event: PromotionEvent; logTail: string[] }
  | { ok: false; event: PromotionEvent; message: string; logTail: string[] };

async function undoStep(
  runtime: CoreRuntime,
  promotion: Promotion,
  step: Step,
  claim: AbortSignal | undefined,
): Promise<UndoOutcome> {
  let prepared: PreparedStep | undefined;
  try {
    prepared = await prepareStep(runtime, promotion, step, 'fail', { claim, programsOf: rollbackPrograms(step) });
    const ready = prepared;
    const rollback = ready.adapter.rollback;
    const before = step.before;
    if (!rollback || !before) throw new Error(`${step.component} cannot be rolled back`);
    const result = await retrying(
      runtime,
      ready,
      step,
      () => {
        if (claim?.aborted) throw claimLapsed(step);
        return untilAborted(rollback.call(ready.adapter, ready.context, before), ready.context.signal);
      },
      (p) => !claim?.aborted && p.steps.find((s) => s.id === step.id)?.status === 'rolling_back',
    );
    return {
      ok: true,
      logTail: [...ready.logTail],
      event: {
        type: 'step.rolled_back',
        actor: 'baton',
        stepId: step.id,
        summary: `Rolled back ${step.component} to ${before.version ?? 'nothing'}: ${ready.redactor.redact(result.summary)}`,
        before: { version: step.version },
        after: { version: before.version },
      },
    };
  } catch (error) {
    throwIfHandedBack(runtime);
    throwIfNotHeld(error, prepared?.context.signal);
    const message = prepared?.redactor.redact(errorMessage(error)) ?? errorMessage(error);
    return {
      ok: false,
      message,
      logTail: prepared ? [...prepared.logTail] : [],
      event: {
        type: 'step.rollback_failed',
        actor: 'baton',
        stepId: step.id,
        summary: `Could not roll back ${step.component}: ${message}`,
      },
    };
  } finally {
    prepared?.dispose();
  }
}
