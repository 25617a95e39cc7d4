/**
 * Moves running promotions forward: takes the environment, queues the steps
 * whose needs are done, and finishes the promotion when nothing is left —
 * then hands the environment to the next promotion waiting for it.
 */
import type { PromotionChange, PromotionEvent } from './audit.ts';
import type { Promotion, Step } from './model.ts';
import { closedWindows } from './policy.ts';
import { componentNamed, environmentNamed, nowIso, type CoreRuntime } from './runtime.ts';
import { assertMove } from './state-machine.ts';

export function stepJobId(step: Step): string {
  return `step.${step.id}`;
}

/**
 * Starts an approved promotion when its environment is free, not frozen and
 * inside a promotion window; otherwise it waits, and is started when the
 * environment is handed on, the freeze lifted or a window opens.
 */
export async function startWhenFree(runtime: CoreRuntime, promotionId: string): Promise<void> {
  const promotion = await runtime.store.getPromotion(promotionId);
  if (promotion?.state !== 'approved') return;
  const { environment } = promotion;
  const freeze = (await runtime.store.listFreezes()).find((f) => f.environment === environment);
  if (freeze) {
    await noteWaiting(runtime, promotionId, `waiting for the freeze on ${environment} to be lifted`, {
      type: 'promotion.waiting',
      actor: 'baton',
      summary: `Waiting: ${freeze.by} froze ${environment}${freeze.reason ? ` (${freeze.reason})` : ''}; this one starts when the freeze is lifted.`,
      data: { freeze },
    });
    return;
  }
  const closed = closedWindows(environmentNamed(runtime, environment), runtime.clock.now());
  if (closed) {
    // Approved inside a window, its turn came after it closed: it waits for the next one (see PromotionService.handOnEnvironments).
    const opens = closed.nextOpening ? `; the next opens ${closed.nextOpening}` : '';
    await noteWaiting(runtime, promotionId, `waiting for a promotion window (${closed.allowed})${opens}`, {
      type: 'promotion.waiting',
      actor: 'baton',
      summary: `Waiting: ${environment} accepts promotions only ${closed.allowed}${opens}. This one starts when a window opens.`,
      data: { windows: closed.allowed },
    });
    return;
  }
  const holder = await runtime.store.acquireLock(environment, promotionId);
  if (holder !== promotionId) {
    await noteWaiting(runtime, promotionId, `waiting for promotion #${holder} to finish in ${environment}`, {
      type: 'promotion.waiting',
      actor: 'baton',
      summary: `Waiting: promotion #${holder} is using ${environment}; this one starts when it finishes.`,
      data: { holder },
    });
    return;
  }
  let started = false;
  await runtime.audit.changePromotion(promotionId, (p) => {
    started = p.state === 'approved';
    if (!started) return undefined;
    assertMove(p.state, 'running', p.id);
    return {
      promotion: { ...p, state: 'running', reason: undefined, updatedAt: nowIso(runtime) },
      events: [
        {
          type: 'promotion.started',
          actor: 'baton',
          summary: `Started promotion #${promotionId} to ${environment}.`,
          before: { state: 'approved' },
          after: { state: 'running' },
        },
      ],
    };
  });
  if (!started) return;
  await advance(runtime, promotionId);
}

/** Says once, with its record, what an approved promotion is waiting for. */
async function noteWaiting(runtime: CoreRuntime, promotionId: string, reason: string, event: PromotionEvent): Promise<void> {
  await runtime.audit.changePromotion(promotionId, (p) =>
    p.state !== 'approved' || p.reason === reason ? undefined : { promotion: { ...p, reason, updatedAt: nowIso(runtime) }, events: [event] },
  );
}

export interface Progress {
  before: Promotion;
  after: Promotion;
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
    const state = failed ? 'failed' : 'succeeded';
    assertMove(promotion.state, state, promotion.id);
    const failedStep = steps.find((s) => s.status === 'failed');
    return {
      ...promotion,
      steps,
      state,
      reason: failedStep ? `${failedStep.component} failed: ${failedStep.error ?? 'no message'}` : undefined,
      finishedAt: at,
      updatedAt: at,
    };
  }
  return changed ? { ...promotion, steps, updatedAt: at } : undefined;
}

/** Queues ready steps, skips the rest after a failure, and finishes when all are done. */
export async function advance(runtime: CoreRuntime, promotionId: string): Promise<void> {
  await followProgress(runtime, promotionId, await changeAndProgress(runtime, promotionId, () => undefined));
}

/**
 * Applies `change` (a step's result and its record, say) and works out what it
 * lets move on, in one atomic write with the records of steps skipped and of
 * the promotion's end: a step's end, the next steps' start and the records
 * of both cost one round trip, and a crash keeps all of them or none. Hand
 * what it returns to `followProgress`.
 */
export async function changeAndProgress(
  runtime: CoreRuntime,
  promotionId: string,
  change: (current: Promotion) => PromotionChange | undefined,
): Promise<Progress | undefined> {
  let progress: Progress | undefined;
  await runtime.audit.changePromotion(promotionId, (current) => {
    progress = undefined;
    const changed = change(current);
    const after = nextProgress(changed?.promotion ?? current, nowIso(runtime));
    if (!after) return changed;
    progress = { before: current, after };
    return { promotion: after, events: [...(changed?.events ?? []), ...progressEvents(current, after)] };
  });
  return progress;
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

/** What a change of progress sets off: ready steps queued; a finished promotion's versions marked and its environment handed on. */
export async function followProgress(runtime: CoreRuntime, promotionId: string, progress: Progress | undefined): Promise<void> {
  if (!progress) return;
  const { before, after } = progress;
  const statusBefore = new Map(before.steps.map((s) => [s.id, s.status]));
  // Sent together: a wave of twenty steps is one burst to the queue, not twenty waits.
  await Promise.all(
    after.steps
      .filter((step) => step.status === 'queued' && statusBefore.get(step.id) === 'pending')
      .map((step) => runtime.queue.add({ id: stepJobId(step), data: { kind: 'step', promotionId, stepId: step.id } })),
  );
  if (after.state === before.state) return;
  if (after.state === 'succeeded') {
    await runtime.store.markVerified(after.environment, after.release.versions, after.finishedAt ?? nowIso(runtime));
  }
  await releaseEnvironment(runtime, after.environment, after.id);
}

/**
 * Moves a running promotion on after an interruption: a worker that died
 * after recording a step's result, or between marking the next steps queued
 * and queueing them, left it waiting for nothing. Queueing is by step id, so
 * a step already queued is not queued twice, and a step that ran is not run again.
 */
export async function resumeProgress(runtime: CoreRuntime, promotionId: string): Promise<void> {
  await advance(runtime, promotionId);
  const promotion = await runtime.store.getPromotion(promotionId);
  if (promotion?.state !== 'running') return;
  await Promise.all(
    promotion.steps
      .filter((step) => step.status === 'queued')
      .map((step) => runtime.queue.add({ id: stepJobId(step), data: { kind: 'step', promotionId, stepId: step.id } })),
  );
}

/** Steps that changed (or may have partly changed) their target and were not undone yet. */
export function appliedSteps(promotion: Promotion): Step[] {
  return promotion.steps.filter(
    (s) =>
      s.status === 'succeeded' ||
      s.status === 'rolling_back' ||
      s.status === 'rollback_failed' ||
      (s.status === 'failed' && s.before !== undefined),
  );
}

export function rollbackCandidates(promotion: Promotion): Step[] {
  return appliedSteps(promotion).filter((s) => s.preview?.reversible === true);
}

/** Gives the environment back and starts the oldest promotion waiting for it. */
export async function releaseEnvironment(runtime: CoreRuntime, environment: string, promotionId: string): Promise<void> {
  await runtime.store.releaseLock(environment, promotionId);
  await startNextInLine(runtime, environment);
}

export async function startNextInLine(runtime: CoreRuntime, environment: string): Promise<void> {
  const waiting = await runtime.store.listPromotions({ environment, states: ['approved'] });
  const oldest = waiting.sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id))[0];
  if (oldest) await startWhenFree(runtime, oldest.id);
}

/** Whether a component must publish every output it declares. */
export function missingOutputs(runtime: CoreRuntime, step: Step, outputs: Record<string, string>): string[] {
  return componentNamed(runtime, step.component).outputs.filter((name) => !(name in outputs));
}
