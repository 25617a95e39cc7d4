/**
 * Decides when promotions may use their environment: one at a time, not
 * while frozen, inside promotion windows. Hands an environment on when it is
 * let go of, reconciles environments every minute (a lock left behind, a
 * window that opened), and recovers promotions cut off by a restart.
 */
import { createHash } from 'node:crypto';
import { environmentStream, type PromotionEvent } from './audit.ts';
import { transition } from './gate.ts';
import { isTerminal, type Ledger, type Promotion, type PromotionState } from './model.ts';
import { closedWindows } from './policy.ts';
import { moveOn, resumeProgress } from './progress.ts';
import { queueNextRollbackStep } from './rollback.ts';
import { environmentNamed, nowIso, type CoreRuntime } from './runtime.ts';

/** How long a finished promotion may hold its environment before another process frees it. */
const FINISHED_HOLDER_GRACE_MS = 60_000;

export function planJobId(promotion: Promotion): string {
  return `plan.${promotion.id}.${promotion.planRound ?? 0}`;
}

/** What an environment runs, as a digest: a plan made on a different one is stale. */
export function ledgerBasis(ledger: Ledger): string {
  const lines = Object.entries(ledger)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([component, entry]) => `${component}=${entry.version}#${entry.promotionId}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/**
 * Starts an approved promotion when its environment is free, not frozen and
 * inside a promotion window; otherwise it waits, and is started when the
 * environment is handed on, the freeze lifted or a window opens. A promotion
 * whose environment changed since its plan is planned again first.
 */
export async function startWhenFree(runtime: CoreRuntime, promotionId: string): Promise<void> {
  const promotion = await runtime.store.getPromotion(promotionId);
  if (promotion?.state !== 'approved') return;
  const { environment } = promotion;
  const freeze = (await runtime.store.listFreezes()).find((f) => f.environment === environment);
  // An override sets aside the freeze it was made against, not one set after it.
  if (freeze && freeze.at !== promotion.override?.freezeAt) {
    await noteWaiting(runtime, promotionId, `waiting for the freeze on ${environment} to be lifted`, {
      type: 'promotion.waiting',
      actor: 'baton',
      summary: `Waiting: ${freeze.by} froze ${environment}${freeze.reason ? ` (${freeze.reason})` : ''}; this one starts when the freeze is lifted.`,
      data: { freeze },
    });
    return;
  }
  const closed = promotion.override?.windows
    ? undefined
    : closedWindows(environmentNamed(runtime, environment), runtime.clock.now());
  if (closed) {
    // Approved inside a window, its turn came after it closed: it waits for the next one (see reconcileEnvironments).
    const opens = closed.nextOpening ? `; the next opens ${closed.nextOpening}` : '';
    await noteWaiting(runtime, promotionId, `waiting for a promotion window (${closed.allowed})${opens}`, {
      type: 'promotion.waiting',
      actor: 'baton',
      summary: `Waiting: ${environment} accepts promotions only ${closed.allowed}${opens}. This one starts when a window opens.`,
      data: { windows: closed.allowed },
    });
    return;
  }
  if (!(await takeEnvironment(runtime, promotion))) return;
  const basis = ledgerBasis(await runtime.store.getLedger(environment));
  if (promotion.planBasis !== undefined && promotion.planBasis !== basis) {
    await planAgain(runtime, promotionId);
    return;
  }
  let started = false;
  let seen: PromotionState = promotion.state;
  await transition(runtime, promotionId, (p) => {
    seen = p.state;
    started = p.state === 'approved';
    if (!started) return undefined;
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
  if (started) await moveOn(runtime, promotionId);
  // Started (or sent back to planning) by another caller meanwhile, it holds the environment: only one done with it lets go.
  else if (!USING_STATES.includes(seen)) await freeEnvironment(runtime, environment, promotionId);
}

/**
 * Takes the promotion's environment, or notes whom it waits for. Planning
 * takes it too: previews never run while another promotion applies there.
 */
export async function takeEnvironment(runtime: CoreRuntime, promotion: Promotion): Promise<boolean> {
  const holder = await runtime.store.lockEnvironment(promotion.environment, promotion.id);
  if (holder === promotion.id) return true;
  const planning = promotion.state === 'planning';
  await noteWaiting(runtime, promotion.id, `waiting for promotion #${holder} to finish in ${promotion.environment}`, {
    type: 'promotion.waiting',
    actor: 'baton',
    summary: planning
      ? `Planning waits: promotion #${holder} is using ${promotion.environment}, and previews never run while another promotion changes it.`
      : `Waiting: promotion #${holder} is using ${promotion.environment}; this one starts when it finishes.`,
    data: { holder },
  });
  // The holder may have let go between our attempt and our note: nobody would hand the environment on then.
  if (!(await runtime.store.lockHolder(promotion.environment))) await startNextInLine(runtime, promotion.environment);
  return false;
}

/** The environment changed since the plan was made: plan again, holding the environment, before starting. */
async function planAgain(runtime: CoreRuntime, promotionId: string): Promise<void> {
  const { promotion } = await transition(runtime, promotionId, (p) =>
    p.state !== 'approved'
      ? undefined
      : {
          promotion: {
            ...p,
            state: 'planning',
            reason: undefined,
            planRound: (p.planRound ?? 0) + 1,
            updatedAt: nowIso(runtime),
          },
          events: [
            {
              type: 'promotion.replanning',
              actor: 'baton',
              summary: `${p.environment} changed since promotion #${p.id} was planned: planning again before it starts. It goes on if the plan is the same, and asks for approval again if it is not.`,
              before: { state: 'approved' },
              after: { state: 'planning' },
            },
          ],
        },
  );
  if (promotion.state === 'planning')
    await runtime.queue.add({ id: planJobId(promotion), data: { kind: 'plan', promotionId } });
}

/** Says once, with its record, what a promotion is waiting for. */
async function noteWaiting(
  runtime: CoreRuntime,
  promotionId: string,
  reason: string,
  event: PromotionEvent,
): Promise<void> {
  await transition(runtime, promotionId, (p) =>
    (p.state !== 'approved' && p.state !== 'planning') || p.reason === reason
      ? undefined
      : { promotion: { ...p, reason, updatedAt: nowIso(runtime) }, events: [event] },
  );
}

/** Gives the environment back and starts the oldest promotion waiting for it. */
export async function freeEnvironment(runtime: CoreRuntime, environment: string, promotionId: string): Promise<void> {
  await runtime.store.unlockEnvironment(environment, promotionId);
  await startNextInLine(runtime, environment);
}

/** Hands a free environment to the oldest promotion waiting: one waiting to plan, or one approved. */
export async function startNextInLine(runtime: CoreRuntime, environment: string): Promise<void> {
  const waiting = await runtime.store.listPromotions({ environment, states: ['planning', 'approved'] });
  // A promotion planning with no reason has its plan job on the way: it takes the environment itself.
  const oldest = waiting
    .filter((p) => p.state === 'approved' || p.reason !== undefined)
    .sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id))[0];
  if (!oldest) return;
  if (oldest.state === 'approved') {
    await startWhenFree(runtime, oldest.id);
    return;
  }
  const { promotion } = await transition(runtime, oldest.id, (p) =>
    p.state !== 'planning' || p.reason === undefined
      ? undefined
      : {
          promotion: { ...p, reason: undefined, planRound: (p.planRound ?? 0) + 1, updatedAt: nowIso(runtime) },
          events: [],
        },
  );
  if (promotion.state === 'planning' && promotion.reason === undefined) {
    await runtime.queue.add({ id: planJobId(promotion), data: { kind: 'plan', promotionId: promotion.id } });
  }
}

/** States in which a promotion uses its environment: nobody else may plan or apply there meanwhile. */
const USING_STATES: readonly PromotionState[] = ['planning', 'running', 'rolling_back'];

/**
 * A process that died between a change and queueing the job it calls for (a
 * request and its plan, a start and its steps, a rollback and its next step)
 * left the promotion waiting for a job nobody queued. Jobs are queued by id,
 * so one that is queued, running or done is not queued twice.
 */
async function queueCutOffJobs(runtime: CoreRuntime): Promise<void> {
  for (const promotion of await runtime.store.listPromotions({ states: ['planning', 'running', 'rolling_back'] })) {
    // A promotion planning with a reason waits for its environment: startNextInLine queues its plan when it is its turn.
    if (promotion.state === 'planning' && promotion.reason === undefined)
      await runtime.queue.add({ id: planJobId(promotion), data: { kind: 'plan', promotionId: promotion.id } });
    else if (promotion.state === 'running') await resumeProgress(runtime, promotion.id);
    else if (promotion.state === 'rolling_back') await queueNextRollbackStep(runtime, promotion);
  }
}

/**
 * Reconciles each environment: frees one held by a promotion that no longer
 * uses it — finished a while ago, waiting for approval, or gone (its process
 * died before letting go) — with an audit event; starts an approved holder
 * whose start a crash cut off; starts the oldest promotion waiting for a
 * free one if it may start now; and queues again the job a crash kept from
 * being queued. Run at start-up and every minute, so a lock is recovered
 * without a restart and a promotion whose turn came outside its
 * environment's windows starts when one opens. A finished holder is left
 * `finishedHolderGraceMs` to let go itself.
 */
export async function reconcileEnvironments(
  runtime: CoreRuntime,
  finishedHolderGraceMs = FINISHED_HOLDER_GRACE_MS,
): Promise<void> {
  for (const environment of runtime.pipeline.environments) {
    const holder = await runtime.store.lockHolder(environment.name);
    if (!holder) {
      await startNextInLine(runtime, environment.name);
      continue;
    }
    const held = await runtime.store.getPromotion(holder);
    if (held && USING_STATES.includes(held.state)) continue;
    if (held?.state === 'approved') {
      await startWhenFree(runtime, held.id);
      continue;
    }
    // A promotion that has just finished is letting go itself: recovering it now would record a recovery nobody needed.
    const finishedAt = held?.finishedAt ? Date.parse(held.finishedAt) : 0;
    if (held && isTerminal(held.state) && runtime.clock.now().getTime() - finishedAt < finishedHolderGraceMs) continue;
    await runtime.audit.record(environmentStream(environment.name), {
      type: 'environment.lock_recovered',
      actor: 'baton',
      summary: `${environment.name} was still held by promotion #${holder}, which ${held ? (isTerminal(held.state) ? `finished (${held.state.replace('_', ' ')})` : `is ${held.state.replace('_', ' ')}`) : 'does not exist'}; Baton released it.`,
      data: { holder },
    });
    await freeEnvironment(runtime, environment.name, holder);
  }
  await queueCutOffJobs(runtime);
}
