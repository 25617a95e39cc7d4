/**
 * Recovery looks at reality: a step cut off by a crash may have finished its
 * change after Baton died. What its programs left running is stopped first,
 * then the adapter's `current()` decides what happened.
 */
import { errorMessage } from '../errors.ts';
import type { Move } from './gate.ts';
import { transition } from './gate.ts';
import type { LedgerEntry, Promotion, Step } from './model.ts';
import type { Observed } from './adapter-contract.ts';
import { appliedSteps } from './applied-steps.ts';
import { resumeProgress } from './progress.ts';
import { queueNextRollbackStep } from './rollback.ts';
import { nowIso, componentNamed, type CoreRuntime } from './runtime.ts';
import { planJobId, reconcileEnvironments } from './scheduler.ts';
import { stillHeld } from './step-claim.ts';
import { prepareStep } from './step-context.ts';
import { untilAborted, withStep } from './step-runner.ts';

/**
 * Stops what a cut-off step left running, then asks its target what runs:
 * the observation when the target runs `version`, undefined when it does not
 * or cannot tell. A step whose component publishes outputs is never taken as
 * done this way: its outputs died with the process.
 */
export async function observeCutStep(
  runtime: CoreRuntime,
  promotion: Promotion,
  step: Step,
  version = step.version,
): Promise<Observed | undefined> {
  await runtime.programs.stopLeftovers(step.id);
  if (version === step.version && componentNamed(runtime, step.component).outputs.length > 0) return undefined;
  const prepared = await prepareStep(runtime, promotion, step, 'mark');
  try {
    const observed = await untilAborted(prepared.adapter.current(prepared.context), prepared.context.signal);
    return observed.version === version ? observed : undefined;
  } catch (error) {
    runtime.logger.warn(
      { err: error, promotionId: promotion.id, stepId: step.id },
      `could not observe ${step.component} after a crash: ${errorMessage(error)}`,
    );
    return undefined;
  } finally {
    prepared.dispose();
  }
}

/** A cut-off step whose target runs its version: succeeded, recovered, with the ledger entry it makes. */
export function recoveredMove(
  runtime: CoreRuntime,
  promotion: Promotion,
  step: Step,
  observed: Observed,
): Move | undefined {
  if (!stillHeld(promotion, step)) return undefined;
  const at = nowIso(runtime);
  const entry: LedgerEntry = { version: step.version, since: at, promotionId: promotion.id, outputs: {} };
  return {
    promotion: withStep(runtime, promotion, step.id, (s) => ({
      ...s,
      status: 'succeeded',
      recovered: true,
      outputs: {},
      finishedAt: at,
      error: undefined,
    })),
    events: [
      {
        type: 'step.recovered',
        actor: 'baton',
        stepId: step.id,
        summary: `${step.component} ${step.version} succeeded (recovered): Baton stopped while it ran, and the target runs ${observed.version} now.`,
        after: { version: observed.version, ...(observed.detail ? { detail: observed.detail } : {}) },
      },
    ],
    ledger: [{ component: step.component, entry }],
  };
}

/**
 * After a restart of an engine whose jobs do not survive it: a planning job
 * is run again; steps cut off mid-way are judged by what their target runs —
 * done, the promotion goes on; not done, it is interrupted, its environment
 * freed and rollback offered. Returns the promotions interrupted.
 */
export async function recoverAfterRestart(runtime: CoreRuntime): Promise<Promotion[]> {
  const cut = await runtime.store.listPromotions({ states: ['planning', 'running', 'rolling_back'] });
  const interrupted: Promotion[] = [];
  for (const promotion of cut.reverse()) {
    if (promotion.state === 'planning') await planOnceMore(runtime, promotion);
    else if (promotion.state === 'running') interrupted.push(...(await recoverRunning(runtime, promotion)));
    else interrupted.push(...(await recoverRollingBack(runtime, promotion)));
  }
  // After a restart nobody else is letting go of an environment: a finished holder's process is the one that died.
  await reconcileEnvironments(runtime, 0);
  return interrupted;
}

async function planOnceMore(runtime: CoreRuntime, promotion: Promotion): Promise<void> {
  // Previews may have started programs too (a `terraform plan`): none may run on beside the next planning.
  for (const step of promotion.steps) await runtime.programs.stopLeftovers(step.id);
  await runtime.store.unlockEnvironment(promotion.environment, promotion.id);
  const { promotion: again } = await transition(runtime, promotion.id, (p) =>
    p.state === 'planning'
      ? {
          promotion: { ...p, reason: undefined, planRound: (p.planRound ?? 0) + 1, updatedAt: nowIso(runtime) },
          events: [],
        }
      : undefined,
  );
  if (again.state === 'planning')
    await runtime.queue.add({ id: planJobId(again), data: { kind: 'plan', promotionId: again.id } });
}

async function recoverRunning(runtime: CoreRuntime, promotion: Promotion): Promise<Promotion[]> {
  let all = true;
  for (const step of promotion.steps.filter((s) => s.status === 'running')) {
    const observed = await observeCutStep(runtime, promotion, step);
    if (observed) await transition(runtime, promotion.id, (p) => recoveredMove(runtime, p, step, observed));
    else all = false;
  }
  if (all) {
    await resumeProgress(runtime, promotion.id);
    return [];
  }
  return [await interrupt(runtime, promotion.id)];
}

async function recoverRollingBack(runtime: CoreRuntime, promotion: Promotion): Promise<Promotion[]> {
  const step = promotion.steps.find((s) => s.status === 'rolling_back');
  if (!step) {
    await queueNextRollbackStep(runtime, promotion);
    return [];
  }
  const observed = step.before
    ? await observeCutStep(runtime, promotion, step, step.before.version ?? undefined)
    : undefined;
  if (!observed) return [await interrupt(runtime, promotion.id)];
  const { promotion: after } = await transition(runtime, promotion.id, (p) =>
    p.steps.find((s) => s.id === step.id)?.status !== 'rolling_back'
      ? undefined
      : {
          promotion: withStep(runtime, p, step.id, (s) => ({ ...s, status: 'rolled_back', recovered: true })),
          events: [
            {
              type: 'step.rolled_back',
              actor: 'baton',
              stepId: step.id,
              summary: `Rolled back ${step.component} to ${observed.version ?? 'nothing'} (recovered): Baton stopped while it ran, and the target runs ${observed.version ?? 'nothing'} now.`,
              before: { version: step.version },
              after: { version: observed.version },
            },
          ],
          ledger: [{ component: step.component, entry: step.ledgerBefore ?? null }],
        },
  );
  await queueNextRollbackStep(runtime, after);
  return [];
}

/** Marks a cut-off promotion interrupted: what ran unfinished failed, what waited is skipped; its environment is freed. */
async function interrupt(runtime: CoreRuntime, promotionId: string): Promise<Promotion> {
  const at = nowIso(runtime);
  const { promotion } = await transition(runtime, promotionId, (p) => {
    if (p.state !== 'running' && p.state !== 'rolling_back') return undefined;
    const next: Promotion = {
      ...p,
      state: 'interrupted',
      reason: `Baton restarted while the promotion was ${p.state.replace('_', ' ')}`,
      steps: p.steps.map((s) =>
        s.status === 'running'
          ? {
              ...s,
              status: 'failed',
              error: 'interrupted by a restart, and its target does not run its version: it may have partly applied',
              finishedAt: at,
            }
          : s.status === 'rolling_back'
            ? {
                ...s,
                status: 'rollback_failed',
                error: 'interrupted by a restart while rolling back: check it by hand',
                finishedAt: at,
              }
            : s.status === 'pending' || s.status === 'queued'
              ? { ...s, status: 'skipped', finishedAt: at }
              : s,
      ),
      finishedAt: at,
      updatedAt: at,
    };
    const offered = appliedSteps(next).length > 0;
    return {
      promotion: next,
      events: [
        {
          type: 'promotion.interrupted',
          actor: 'baton',
          summary: `Promotion #${p.id} was interrupted: Baton restarted while it was ${p.state.replace('_', ' ')}. Check the steps below${offered ? ' and roll back if needed' : ''}.`,
          before: { state: p.state },
          after: { state: 'interrupted' },
          data: { rollbackOffered: offered },
        },
      ],
    };
  });
  await runtime.store.unlockEnvironment(promotion.environment, promotion.id);
  return promotion;
}
