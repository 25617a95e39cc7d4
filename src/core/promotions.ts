/**
 * What people can do with promotions — request, approve, reject, roll back,
 * freeze — and the jobs that carry them out. Every change is checked against
 * policy, applied atomically, and recorded as an audit event.
 */
import { BatonError, ErrorCode } from '../errors.ts';
import type { Job } from '../engine/contracts.ts';
import { decideApproval, mayDecide, type ApprovalDecision } from './approvals.ts';
import { environmentStream, type PromotionEvent } from './audit.ts';
import { groupMembers } from './group-members.ts';
import { planWithoutPromoting, type DryRunPlan } from './dry-run.ts';
import type { Freeze, Promotion, Release } from './model.ts';
import { isTerminal } from './model.ts';
import { appliedSteps, releaseEnvironment, startNextInLine, startWhenFree } from './orchestrator.ts';
import { buildStepGraph } from './planner.ts';
import { runPlanning } from './planning.ts';
import { blockingChecks, checkRequestPolicy, type PolicyCheck } from './policy.ts';
import { checkRelease, describeRelease } from './release.ts';
import { runRollback } from './rollback.ts';
import { environmentNamed, nowIso, throwIfLetGo, type CoreRuntime } from './runtime.ts';
import { assertMove } from './state-machine.ts';
import { runStep } from './step-runner.ts';

export interface PromotionRequest {
  release: Release;
  environment: string;
  requestedBy: string;
  /** Set when the release is what another environment runs. */
  fromEnvironment?: string;
}

export type RequestOutcome =
  | { outcome: 'refused'; checks: PolicyCheck[] }
  | { outcome: 'planning'; promotion: Promotion; checks: PolicyCheck[] };

export type ActionOutcome = { ok: true; message: string; promotion: Promotion } | { ok: false; message: string };

/** How long a finished promotion may hold its environment before another process frees it. */
const FINISHED_HOLDER_GRACE_MS = 60_000;

export class PromotionService {
  constructor(private readonly runtime: CoreRuntime) {}

  private environment(name: string) {
    const environment = this.runtime.pipeline.environments.find((e) => e.name === name);
    if (!environment) {
      throw new BatonError(
        ErrorCode.NotFound,
        `There is no environment "${name}". Environments: ${this.runtime.pipeline.environments.map((e) => e.name).join(', ')}.`,
      );
    }
    return environment;
  }

  async getPromotion(id: string): Promise<Promotion> {
    const promotion = await this.runtime.store.getPromotion(id.replace(/^#/, ''));
    if (!promotion) throw new BatonError(ErrorCode.NotFound, `There is no promotion #${id.replace(/^#/, '')}. /promote history lists recent ones.`);
    return promotion;
  }

  async checkPolicy(release: Release, environmentName: string, requester: string): Promise<PolicyCheck[]> {
    const environment = this.environment(environmentName);
    const { store } = this.runtime;
    const verified = new Map<string, string | undefined>();
    await Promise.all(
      environment.requires.flatMap((required) =>
        Object.entries(release.versions).map(async ([component, version]) => {
          verified.set(`${required}\u0000${component}\u0000${version}`, await store.verifiedAt(required, component, version));
        }),
      ),
    );
    const freeze = (await store.listFreezes()).find((f) => f.environment === environment.name);
    return checkRequestPolicy({
      groups: await groupMembers(this.runtime, environment.requesters),
      environment,
      release,
      requester,
      now: this.runtime.clock.now(),
      freeze,
      verifiedAt: (env, component, version) => verified.get(`${env}\u0000${component}\u0000${version}`),
    });
  }

  /** The release an environment runs now, to promote exactly that elsewhere. */
  async releaseRunningIn(environmentName: string): Promise<Release> {
    this.environment(environmentName);
    const running = await this.runtime.store.getLedger(environmentName);
    const versions = Object.fromEntries(Object.entries(running).map(([component, entry]) => [component, entry.version]));
    if (Object.keys(versions).length === 0) {
      throw new BatonError(ErrorCode.ReleaseInvalid, `${environmentName} runs nothing Baton promoted yet, so there is nothing to promote from it.`);
    }
    return { name: `${environmentName} (${describeRelease({ name: '', versions })})`, versions };
  }

  /** The plan and policy verdict of a request, without creating a promotion. */
  async dryRun(request: PromotionRequest): Promise<DryRunPlan> {
    this.environment(request.environment);
    const release = checkRelease(request.release, this.runtime.pipeline);
    const checks = await this.checkPolicy(release, request.environment, request.requestedBy);
    return planWithoutPromoting(this.runtime, release, request.environment, request.requestedBy, checks);
  }

  async request(request: PromotionRequest): Promise<RequestOutcome> {
    const { runtime } = this;
    const environment = this.environment(request.environment);
    const release = checkRelease(request.release, runtime.pipeline);
    const checks = await this.checkPolicy(release, environment.name, request.requestedBy);
    if (blockingChecks(checks).length > 0) {
      await runtime.audit.record(environmentStream(environment.name), {
        type: 'promotion.refused',
        actor: request.requestedBy,
        summary: `Refused ${describeRelease(release)} into ${environment.name} for ${request.requestedBy}: ${blockingChecks(checks).map((c) => c.message).join(' ')}`,
        data: { release, checks },
      });
      return { outcome: 'refused', checks };
    }
    const id = await runtime.store.nextPromotionId();
    const at = nowIso(runtime);
    const graph = buildStepGraph(runtime.pipeline, release, id, await runtime.store.getLedger(environment.name));
    const promotion: Promotion = {
      id,
      release,
      environment: environment.name,
      ...(request.fromEnvironment ? { fromEnvironment: request.fromEnvironment } : {}),
      requestedBy: request.requestedBy,
      requestedAt: at,
      channel: environment.channel,
      state: 'planning',
      steps: graph.steps,
      waves: graph.waves,
      approvals: [],
      updatedAt: at,
    };
    await runtime.store.createPromotion(promotion);
    await runtime.audit.forPromotion(id, {
      type: 'promotion.requested',
      actor: request.requestedBy,
      summary: `${request.requestedBy} requested ${describeRelease(release)} into ${environment.name}${request.fromEnvironment ? ` (what ${request.fromEnvironment} runs)` : ''}.`,
      after: { state: 'planning', release },
      data: { checks },
    });
    await runtime.queue.add({ id: `plan.${id}`, data: { kind: 'plan', promotionId: id } });
    return { outcome: 'planning', promotion, checks };
  }

  async approve(promotionId: string, user: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const environment = environmentNamed(runtime, existing.environment);
    const groups = await groupMembers(runtime, environment.approvals.from);
    let decision: ApprovalDecision | undefined;
    // The click and its record are one write: a crash cannot count an approval nobody can see in the log.
    const { promotion: updated } = await runtime.audit.changePromotion(existing.id, (p) => {
      decision = decideApproval(p, environment, user, groups);
      if (decision.outcome === 'duplicate') return undefined;
      if (decision.outcome === 'refused') {
        return { events: [{ type: 'approval.refused', actor: user, summary: `Approval by ${user} refused: ${decision.message}` }] };
      }
      const { approvals: count, required, complete } = decision;
      const approvals = [...p.approvals, { user, at: nowIso(runtime) }];
      const events: PromotionEvent[] = [
        { type: 'approval.granted', actor: user, summary: `${user} approved (${count} of ${required}).`, data: { approvals: count, required } },
      ];
      if (complete) {
        events.push({
          type: 'promotion.approved',
          actor: user,
          summary: `Promotion #${p.id} is approved by ${approvals.map((a) => a.user).join(', ')}.`,
          before: { state: 'awaiting_approval' },
          after: { state: 'approved' },
        });
      }
      return { promotion: { ...p, approvals, state: complete ? 'approved' : p.state, updatedAt: nowIso(runtime) }, events };
    });
    if (!decision) throw new Error('approval was not decided');
    if (decision.outcome !== 'counted') return { ok: false, message: decision.message };
    if (decision.complete) await startWhenFree(runtime, existing.id);
    return {
      ok: true,
      message: decision.complete
        ? `You approved promotion #${existing.id}; it has all ${decision.required} approval${decision.required === 1 ? '' : 's'} it needs.`
        : `You approved promotion #${existing.id} (${decision.approvals} of ${decision.required}).`,
      promotion: updated,
    };
  }

  async reject(promotionId: string, user: string, reason: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const environment = environmentNamed(runtime, existing.environment);
    const trimmed = reason.trim();
    if (trimmed.length === 0) return { ok: false, message: 'Give a reason for the rejection: it goes into the audit log.' };
    const permission = mayDecide(environment, user, await groupMembers(runtime, environment.approvals.from));
    // The requester may always withdraw their own request.
    if (!permission.allowed && user !== existing.requestedBy) {
      await runtime.audit.forPromotion(existing.id, { type: 'approval.refused', actor: user, summary: `Rejection by ${user} refused: ${permission.message}` });
      return { ok: false, message: permission.message };
    }
    let previousState: Promotion['state'] | undefined;
    const { promotion: updated } = await runtime.audit.changePromotion(existing.id, (p) => {
      previousState = p.state;
      if (p.state !== 'awaiting_approval') return undefined;
      return {
        promotion: { ...p, state: 'rejected', rejectedBy: { user, at: nowIso(runtime), reason: trimmed }, finishedAt: nowIso(runtime), updatedAt: nowIso(runtime) },
        events: [
          {
            type: 'promotion.rejected',
            actor: user,
            summary: `${user} rejected promotion #${existing.id}: ${trimmed}`,
            before: { state: 'awaiting_approval' },
            after: { state: 'rejected' },
            data: { reason: trimmed },
          },
        ],
      };
    });
    if (previousState !== 'awaiting_approval') {
      return { ok: false, message: `Promotion #${existing.id} is ${updated.state.replace('_', ' ')}: only a promotion waiting for approval can be rejected.` };
    }
    return { ok: true, message: `You rejected promotion #${existing.id}.`, promotion: updated };
  }

  async rollback(promotionId: string, user: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const refuse = async (message: string): Promise<ActionOutcome> => {
      await runtime.audit.forPromotion(existing.id, { type: 'rollback.refused', actor: user, summary: `Rollback by ${user} refused: ${message}` });
      return { ok: false, message };
    };
    if (!['succeeded', 'failed', 'interrupted'].includes(existing.state)) {
      return refuse(`Promotion #${existing.id} is ${existing.state.replace('_', ' ')}: only a finished promotion can be rolled back.`);
    }
    const requesterCheck = (await this.checkPolicy(existing.release, existing.environment, user)).find((c) => c.rule === 'requesters');
    if (requesterCheck && !requesterCheck.passed) return refuse(requesterCheck.message);
    if (appliedSteps(existing).length === 0) return refuse(`Promotion #${existing.id} changed nothing, so there is nothing to roll back.`);
    const holder = await runtime.store.acquireLock(existing.environment, existing.id);
    if (holder !== existing.id) {
      return refuse(`${existing.environment} is busy with promotion #${holder}; roll back when it has finished.`);
    }
    let moved = false;
    const updated = await runtime.store.updatePromotion(existing.id, (p) => {
      moved = ['succeeded', 'failed', 'interrupted'].includes(p.state);
      if (!moved) return undefined;
      assertMove(p.state, 'rolling_back', p.id);
      return { ...p, state: 'rolling_back', rollbackRequestedBy: user, reason: undefined, finishedAt: undefined, updatedAt: nowIso(runtime) };
    });
    if (!moved) {
      await runtime.store.releaseLock(existing.environment, existing.id);
      return { ok: false, message: `Promotion #${existing.id} is already ${updated.state.replace('_', ' ')}.` };
    }
    await runtime.audit.forPromotion(existing.id, {
      type: 'rollback.requested',
      actor: user,
      summary: `${user} asked to roll back promotion #${existing.id}.`,
      before: { state: existing.state },
      after: { state: 'rolling_back' },
    });
    const attempt = (await runtime.store.readAudit(`promotion-${existing.id}`)).filter((r) => r.type === 'rollback.requested').length;
    await runtime.queue.add({ id: `rollback.${existing.id}.${attempt}`, data: { kind: 'rollback', promotionId: existing.id } });
    return { ok: true, message: `Rolling back promotion #${existing.id}; progress goes to its thread.`, promotion: updated };
  }

  async freeze(environmentName: string, reason: string, user: string): Promise<Freeze> {
    const environment = this.environment(environmentName);
    const freeze: Freeze = { environment: environment.name, reason: reason.trim(), by: user, at: nowIso(this.runtime) };
    await this.runtime.store.setFreeze(freeze);
    await this.runtime.audit.record(environmentStream(environment.name), {
      type: 'environment.frozen',
      actor: user,
      summary: `${user} froze ${environment.name}${freeze.reason ? `: ${freeze.reason}` : ''}.`,
      after: freeze,
    });
    return freeze;
  }

  async unfreeze(environmentName: string, user: string): Promise<Freeze | undefined> {
    const environment = this.environment(environmentName);
    const lifted = await this.runtime.store.clearFreeze(environment.name);
    if (lifted) {
      await this.runtime.audit.record(environmentStream(environment.name), {
        type: 'environment.unfrozen',
        actor: user,
        summary: `${user} lifted the freeze on ${environment.name}.`,
        before: lifted,
      });
      // Oldest first: the first takes the environment, the rest are told whom they now wait for.
      const waiting = await this.runtime.store.listPromotions({ environment: environment.name, states: ['approved'] });
      for (const promotion of waiting.reverse()) await startWhenFree(this.runtime, promotion.id);
    }
    return lifted;
  }

  /**
   * Hands each environment on: frees one still held by a promotion that
   * finished a while ago, or that does not exist (its process died between
   * finishing and letting go), with an audit event, and starts the oldest
   * promotion waiting for it if it may start now. Run at start-up and every
   * minute, so a lock is recovered without a restart and a promotion whose
   * turn came outside its environment's windows starts when one opens.
   */
  async handOnEnvironments(): Promise<void> {
    const { runtime } = this;
    for (const environment of runtime.pipeline.environments) {
      const holder = await runtime.store.lockHolder(environment.name);
      if (!holder) {
        await startNextInLine(runtime, environment.name);
        continue;
      }
      const held = await runtime.store.getPromotion(holder);
      // A promotion that has just finished is letting go itself: recovering it now would record a recovery nobody needed.
      const finishedAt = held?.finishedAt ? Date.parse(held.finishedAt) : 0;
      if (held && (!isTerminal(held.state) || runtime.clock.now().getTime() - finishedAt < FINISHED_HOLDER_GRACE_MS)) continue;
      // Its process may also have died before marking what it verified.
      if (held?.state === 'succeeded') await runtime.store.markVerified(held.environment, held.release.versions, held.finishedAt ?? nowIso(runtime));
      await runtime.audit.record(environmentStream(environment.name), {
        type: 'environment.lock_recovered',
        actor: 'baton',
        summary: `${environment.name} was still held by promotion #${holder}, which ${held ? `is ${held.state.replace('_', ' ')}` : 'does not exist'}; Baton released it.`,
        data: { holder },
      });
      await releaseEnvironment(runtime, environment.name, holder);
    }
  }

  /** The queue's handler: every job kind the core runs. */
  async runJob(job: Job): Promise<void> {
    // A process that let go of its jobs starts none: the one taking over runs it.
    throwIfLetGo(this.runtime);
    switch (job.data.kind) {
      case 'plan':
        return runPlanning(this.runtime, job.data.promotionId);
      case 'step':
        return runStep(this.runtime, job.data.promotionId, job.data.stepId);
      case 'rollback':
        return runRollback(this.runtime, job.data.promotionId);
      case 'thread':
        throw new Error('Chat messages are posted from the outbox, not the job queue.');
    }
  }

  /**
   * After a restart of an engine whose jobs do not survive it: promotions cut
   * off mid-way are marked interrupted (their environment freed, rollback
   * offered); approved ones waiting their turn are started again.
   */
  async recoverAfterRestart(): Promise<Promotion[]> {
    const { runtime } = this;
    const cut = await runtime.store.listPromotions({ states: ['planning', 'running', 'rolling_back'] });
    const interrupted: Promotion[] = [];
    for (const promotion of cut) {
      const at = nowIso(runtime);
      const updated = await runtime.store.updatePromotion(promotion.id, (p) => {
        if (isTerminal(p.state) || !['planning', 'running', 'rolling_back'].includes(p.state)) return undefined;
        return {
          ...p,
          state: 'interrupted',
          reason: `Baton restarted while the promotion was ${p.state.replace('_', ' ')}`,
          steps: p.steps.map((s) =>
            s.status === 'running' || s.status === 'rolling_back'
              ? { ...s, status: 'failed', error: 'interrupted by a restart: it may have partly applied', finishedAt: at }
              : s.status === 'pending' || s.status === 'queued'
                ? { ...s, status: 'skipped', finishedAt: at }
                : s,
          ),
          finishedAt: at,
          updatedAt: at,
        };
      });
      await runtime.audit.forPromotion(promotion.id, {
        type: 'promotion.interrupted',
        actor: 'baton',
        summary: `Promotion #${promotion.id} was interrupted: Baton restarted while it was ${promotion.state.replace('_', ' ')}. Check the steps below${appliedSteps(updated).length > 0 ? ' and roll back if needed' : ''}.`,
        before: { state: promotion.state },
        after: { state: 'interrupted' },
        data: { rollbackOffered: appliedSteps(updated).length > 0 },
      });
      await runtime.store.releaseLock(promotion.environment, promotion.id);
      interrupted.push(updated);
    }
    await this.handOnEnvironments();
    return interrupted;
  }
}
