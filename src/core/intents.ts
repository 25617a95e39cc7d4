/**
 * What people can do with promotions — request, approve, reject, roll back,
 * freeze — each checked against policy and written through the transition
 * gate with the audit records that say so. The work they set off runs as jobs
 * (jobs.ts), when the scheduler lets it (scheduler.ts).
 */
import { BatonError, ErrorCode } from '../errors.ts';
import { appliedSteps } from './applied-steps.ts';
import { checkArchivedBundle, type BundleCheck } from './archive.ts';
import { decideApproval, type ApprovalDecision } from './approvals.ts';
import { pendingApprovers } from './approvers.ts';
import { environmentStream, promotionStream, type PromotionEvent } from './audit.ts';
import { queryDora } from './dora-query.ts';
import { observeDrift, type DriftReport } from './drift.ts';
import type { DoraFigures } from './dora.ts';
import { buildEvidence, type EvidenceBundle } from './evidence.ts';
import { planWithoutPromoting, type DryRunPlan } from './dry-run.ts';
import { createPromotion, transition } from './gate.ts';
import { groupMembers } from './group-members.ts';
import type { ArchivedPromotion, Environment, Freeze, Override, Promotion, PromotionState, Release } from './model.ts';
import { mayAct, refsOf, type Permission, type PermissionVerdict } from './permissions.ts';
import { buildStepGraph } from './step-graph.ts';
import { applyOverride, blockingChecks, checkRequestPolicy, type PolicyCheck } from './policy.ts';
import { checkRelease, describeRelease } from './release.ts';
import { resolveReleaseReference, type ReleaseReference } from './release-reference.ts';
import { queueNextRollbackStep, rollbackScope } from './rollback.ts';
import { environmentNamed, nowIso, type CoreRuntime } from './runtime.ts';
import { planJobId, startWhenFree } from './scheduler.ts';
import { formatTime } from './time-text.ts';

export interface PromotionRequest {
  release: Release;
  environment: string;
  requestedBy: string;
  /** Set when the release is what another environment runs. */
  fromEnvironment?: string;
  /** Promote past a freeze or outside the promotion windows, for this reason (the environment's override rule decides who may). */
  override?: string;
}

export type RequestOutcome =
  { outcome: 'refused'; checks: PolicyCheck[] } | { outcome: 'planning'; promotion: Promotion; checks: PolicyCheck[] };

export type ActionOutcome = { ok: true; message: string; promotion: Promotion } | { ok: false; message: string };

/** How often evidence reads a promotion that moved between reading its records and itself before it shows what it has. */
const EVIDENCE_READS = 5;

/** Reminders to approve are at least this far apart, whoever clicks. */
const REMIND_INTERVAL_MS = 10 * 60_000;

/** States from which a promotion can be rolled back. */
const ROLLBACK_FROM: readonly PromotionState[] = ['succeeded', 'failed', 'interrupted'];

export class PromotionIntents {
  constructor(private readonly runtime: CoreRuntime) {}

  /** Whether `user` may act under one of the environment's rules, chat user groups looked up as needed. */
  async permits(environment: Environment, permission: Permission, user: string): Promise<PermissionVerdict> {
    return mayAct(environment, permission, user, await groupMembers(this.runtime, refsOf(environment, permission)));
  }

  async getPromotion(id: string): Promise<Promotion> {
    const bare = id.replace(/^#/, '');
    const promotion = await this.runtime.store.getPromotion(bare);
    if (promotion) return promotion;
    const archived = await this.runtime.store.archivedPromotion(bare);
    if (archived) {
      throw new BatonError(
        ErrorCode.NotFound,
        `Promotion #${bare} was archived on ${formatTime(archived.archivedAt)}: its records are in the evidence bundle ${archived.bundle}, and nothing can be done with it any more. /promote audit ${bare} checks the bundle.`,
      );
    }
    throw new BatonError(ErrorCode.NotFound, `There is no promotion #${bare}. /promote history lists recent ones.`);
  }

  /** What is left of an archived promotion, with its bundle read back and checked; undefined when it was not archived. */
  async archivedEvidence(id: string): Promise<{ archived: ArchivedPromotion; bundle: BundleCheck } | undefined> {
    const archived = await this.runtime.store.archivedPromotion(id.replace(/^#/, ''));
    return archived ? { archived, bundle: await checkArchivedBundle(this.runtime, archived) } : undefined;
  }

  /** A promotion's evidence bundle: its record, its audit stream and the verdict on both, signed when a signing key is set. */
  async evidence(promotionId: string): Promise<EvidenceBundle> {
    const stream = promotionStream(promotionId.replace(/^#/, ''));
    // Records first, then the promotion: a move between the two reads leaves the anchor ahead of the records, never behind
    // them, so a running promotion is read again rather than shown as a broken chain; a log really cut stays behind for good.
    for (let attempt = 1; ; attempt += 1) {
      const records = await this.runtime.store.readAudit(stream);
      const promotion = await this.getPromotion(promotionId);
      if ((promotion.audit?.count ?? 0) <= records.length || attempt === EVIDENCE_READS)
        return buildEvidence(
          promotion,
          [...records],
          this.runtime.audit,
          await this.runtime.store.threadOf(promotion.id),
        );
    }
  }

  /** The DORA figures of an environment (the last one when none is named) over the last `days` days. */
  dora(environment: string | undefined, days: number): Promise<DoraFigures> {
    return queryDora(this.runtime, environment, days, this.runtime.clock.now());
  }

  /** What every component's target in the environment runs now, against the ledger. */
  drift(environment: string): Promise<DriftReport> {
    return observeDrift(this.runtime, environment);
  }

  async checkPolicy(release: Release, environmentName: string, requester: string): Promise<PolicyCheck[]> {
    const environment = environmentNamed(this.runtime, environmentName);
    const { store } = this.runtime;
    const verified = new Map<string, string | undefined>();
    await Promise.all(
      environment.requires.flatMap((required) =>
        Object.entries(release.versions).map(async ([component, version]) => {
          verified.set(
            `${required}\u0000${component}\u0000${version}`,
            await store.verifiedAt(required, component, version),
          );
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

  /** The release a `/promote` or `baton plan` names: inline versions, what an environment runs, or a named release. */
  resolveRelease(reference: ReleaseReference): Promise<{ release: Release; fromEnvironment?: string }> {
    return resolveReleaseReference(this.runtime, reference, (environment) => this.releaseRunningIn(environment));
  }

  /** The release an environment runs now, to promote exactly that elsewhere. */
  async releaseRunningIn(environmentName: string): Promise<Release> {
    environmentNamed(this.runtime, environmentName);
    const running = await this.runtime.store.getLedger(environmentName);
    const versions = Object.fromEntries(
      Object.entries(running).map(([component, entry]) => [component, entry.version]),
    );
    if (Object.keys(versions).length === 0) {
      throw new BatonError(
        ErrorCode.ReleaseInvalid,
        `${environmentName} runs nothing Baton promoted yet, so there is nothing to promote from it.`,
      );
    }
    return { name: `${environmentName} (${describeRelease({ name: '', versions })})`, versions };
  }

  /** The plan and policy verdict of a request, without creating a promotion. */
  async dryRun(request: PromotionRequest): Promise<DryRunPlan> {
    const environment = environmentNamed(this.runtime, request.environment);
    const release = checkRelease(request.release, this.runtime.pipeline);
    const { checks } = await this.requestChecks(release, environment, request);
    return planWithoutPromoting(this.runtime, release, request.environment, request.requestedBy, checks);
  }

  /** The policy verdict on a request, with what an override sets aside (refused when it may not, or sets nothing aside). */
  private async requestChecks(
    release: Release,
    environment: Environment,
    request: PromotionRequest,
  ): Promise<{ checks: PolicyCheck[]; override?: Omit<Override, 'at'> }> {
    const checks = await this.checkPolicy(release, environment.name, request.requestedBy);
    if (request.override === undefined) return { checks };
    const reason = request.override.trim();
    const refuse = (message: string) => ({
      checks: [...checks, { rule: 'override' as const, passed: false, message }],
    });
    if (reason === '')
      return refuse(
        'An override needs a reason: --override "why this cannot wait". It is posted in the channel and kept in the audit log.',
      );
    const permission = await this.permits(environment, 'override', request.requestedBy);
    if (!permission.allowed) return refuse(permission.message);
    const { checks: overridden, overridden: rules } = applyOverride(checks, request.requestedBy, reason);
    if (rules.length === 0) {
      return refuse(
        `Nothing to override: ${environment.name} is not frozen and its promotion windows are open. Run the command without --override.`,
      );
    }
    const freeze = rules.includes('freeze')
      ? (await this.runtime.store.listFreezes()).find((f) => f.environment === environment.name)
      : undefined;
    return {
      checks: overridden,
      override: {
        by: request.requestedBy,
        reason,
        windows: rules.includes('windows'),
        ...(freeze ? { freezeAt: freeze.at } : {}),
      },
    };
  }

  async request(request: PromotionRequest): Promise<RequestOutcome> {
    const { runtime } = this;
    const environment = environmentNamed(this.runtime, request.environment);
    const release = checkRelease(request.release, runtime.pipeline);
    const { checks, override } = await this.requestChecks(release, environment, request);
    if (blockingChecks(checks).length > 0) {
      await runtime.audit.record(environmentStream(environment.name), {
        type: 'promotion.refused',
        actor: request.requestedBy,
        summary: `Refused ${describeRelease(release)} into ${environment.name} for ${request.requestedBy}: ${blockingChecks(
          checks,
        )
          .map((c) => c.message)
          .join(' ')}`,
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
      ...(override ? { override: { ...override, at } } : {}),
      channel: environment.channel,
      state: 'planning',
      steps: graph.steps,
      waves: graph.waves,
      approvals: [],
      updatedAt: at,
    };
    await createPromotion(runtime, promotion, [
      {
        type: 'promotion.requested',
        actor: request.requestedBy,
        summary: `${request.requestedBy} requested ${describeRelease(release)} into ${environment.name}${request.fromEnvironment ? ` (what ${request.fromEnvironment} runs)` : ''}.`,
        after: { state: 'planning', release },
        data: { checks },
      },
      ...(override ? [overrideEvent(request.requestedBy, environment.name, override)] : []),
    ]);
    if (override) {
      // Said in the channel, not only in the thread: an override is everybody's business.
      await runtime.audit.record(environmentStream(environment.name), {
        ...overrideEvent(request.requestedBy, environment.name, override, id),
        type: 'environment.overridden',
      });
    }
    await runtime.queue.add({ id: planJobId(promotion), data: { kind: 'plan', promotionId: id } });
    return { outcome: 'planning', promotion, checks };
  }

  async approve(promotionId: string, user: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const environment = environmentNamed(runtime, existing.environment);
    const groups = await groupMembers(runtime, environment.approvals.from);
    let decision: ApprovalDecision | undefined;
    // The click and its record are one write: a crash cannot count an approval nobody can see in the log.
    const { promotion: updated } = await transition(runtime, existing.id, (p) => {
      decision = decideApproval(p, environment, user, groups);
      if (decision.outcome === 'duplicate') {
        return {
          events: [
            { type: 'approval.duplicate', actor: user, summary: `${user} clicked Approve again: ${decision.message}` },
          ],
        };
      }
      if (decision.outcome === 'refused') {
        return {
          events: [
            { type: 'approval.refused', actor: user, summary: `Approval by ${user} refused: ${decision.message}` },
          ],
        };
      }
      const { approvals: count, required, complete } = decision;
      const approvals = [...p.approvals, { user, at: nowIso(runtime) }];
      const events: PromotionEvent[] = [
        {
          type: 'approval.granted',
          actor: user,
          summary: `${user} approved (${count} of ${required}).`,
          data: { approvals: count, required },
        },
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
      return {
        promotion: { ...p, approvals, state: complete ? 'approved' : p.state, updatedAt: nowIso(runtime) },
        events,
      };
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

  /** Mentions, in the thread, the approvers who have not acted yet; spaced REMIND_INTERVAL_MS apart. */
  async remindApprovers(promotionId: string, user: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const environment = environmentNamed(runtime, existing.environment);
    // A reminder pings people: only those who take part in the environment's promotions may send one.
    const takesPart =
      user === existing.requestedBy ||
      (await this.permits(environment, 'request', user)).allowed ||
      (await this.permits(environment, 'approve', user)).allowed;
    if (!takesPart) {
      const message = `${user} can't remind the approvers of promotion #${existing.id}: only its requester and those who may request or approve promotions to ${environment.name} may.`;
      await transition(runtime, existing.id, () => ({
        events: [{ type: 'approval.refused', actor: user, summary: `Reminder by ${user} refused: ${message}` }],
      }));
      return { ok: false, message };
    }
    let refusal: string | undefined;
    const { promotion: updated } = await transition(runtime, existing.id, (p) => {
      const pending = pendingApprovers(p);
      const next = p.remindedAt === undefined ? 0 : Date.parse(p.remindedAt) + REMIND_INTERVAL_MS;
      refusal =
        p.state !== 'awaiting_approval'
          ? `Promotion #${p.id} is ${p.state.replace('_', ' ')}: it is not waiting for approval.`
          : pending.length === 0
            ? `Nobody to remind: anyone${p.approvers ? ' of those who may approve' : ''} in the channel may approve promotion #${p.id}.`
            : next > runtime.clock.now().getTime()
              ? `Approvers of promotion #${p.id} were reminded at ${formatTime(p.remindedAt ?? next)}; remind them again after ${formatTime(next, 'up')}.`
              : undefined;
      if (refusal) return undefined;
      const at = nowIso(runtime);
      return {
        promotion: { ...p, remindedAt: at, updatedAt: at },
        events: [
          {
            type: 'approval.reminded',
            actor: user,
            summary: `${user} reminds ${pending.join(', ')}: promotion #${p.id} waits for ${p.approvals.length === 0 ? 'your' : 'one more'} approval.`,
            data: { approvers: pending },
          },
        ],
      };
    });
    if (refusal) return { ok: false, message: refusal };
    return {
      ok: true,
      message: `Reminded ${pendingApprovers(updated).join(', ')} in the thread of promotion #${updated.id}.`,
      promotion: updated,
    };
  }

  async reject(promotionId: string, user: string, reason: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const environment = environmentNamed(runtime, existing.environment);
    const trimmed = reason.trim();
    if (trimmed.length === 0)
      return { ok: false, message: 'Give a reason for the rejection: it goes into the audit log.' };
    const permission = await this.permits(environment, 'approve', user);
    // The requester may always withdraw their own request.
    if (!permission.allowed && user !== existing.requestedBy) {
      await transition(runtime, existing.id, () => ({
        events: [
          { type: 'approval.refused', actor: user, summary: `Rejection by ${user} refused: ${permission.message}` },
        ],
      }));
      return { ok: false, message: permission.message };
    }
    let previousState: Promotion['state'] | undefined;
    const { promotion: updated } = await transition(runtime, existing.id, (p) => {
      previousState = p.state;
      if (p.state !== 'awaiting_approval') {
        return {
          events: [
            {
              type: 'approval.refused',
              actor: user,
              summary: `Rejection by ${user} refused: promotion #${p.id} is ${p.state.replace('_', ' ')}.`,
            },
          ],
        };
      }
      return {
        promotion: {
          ...p,
          state: 'rejected',
          rejectedBy: { user, at: nowIso(runtime), reason: trimmed },
          finishedAt: nowIso(runtime),
          updatedAt: nowIso(runtime),
        },
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
      return {
        ok: false,
        message: `Promotion #${existing.id} is ${updated.state.replace('_', ' ')}: only a promotion waiting for approval can be rejected.`,
      };
    }
    return { ok: true, message: `You rejected promotion #${existing.id}.`, promotion: updated };
  }

  async rollback(promotionId: string, user: string): Promise<ActionOutcome> {
    const { runtime } = this;
    const existing = await this.getPromotion(promotionId);
    const refuse = async (message: string): Promise<ActionOutcome> => {
      await transition(runtime, existing.id, () => ({
        events: [{ type: 'rollback.refused', actor: user, summary: `Rollback by ${user} refused: ${message}` }],
      }));
      return { ok: false, message };
    };
    if (!ROLLBACK_FROM.includes(existing.state)) {
      return refuse(
        `Promotion #${existing.id} is ${existing.state.replace('_', ' ')}: only a finished promotion can be rolled back.`,
      );
    }
    const permission = await this.permits(environmentNamed(runtime, existing.environment), 'rollback', user);
    if (!permission.allowed) return refuse(permission.message);
    if (appliedSteps(existing).length === 0)
      return refuse(`Promotion #${existing.id} changed nothing, so there is nothing to roll back.`);
    const holder = await runtime.store.lockEnvironment(existing.environment, existing.id);
    if (holder !== existing.id) {
      return refuse(`${existing.environment} is busy with promotion #${holder}; roll back when it has finished.`);
    }
    // The environment is ours from here: nothing changes its ledger until we let go.
    const ledger = await runtime.store.getLedger(existing.environment);
    const scope = rollbackScope(existing, ledger);
    if (scope.undo.length === 0) {
      await runtime.store.unlockEnvironment(existing.environment, existing.id);
      return refuse(`Nothing of promotion #${existing.id} is left to undo: ${scope.kept.map((k) => k.note).join(' ')}`);
    }
    let moved = false;
    const { promotion: updated } = await transition(runtime, existing.id, (p) => {
      moved = ROLLBACK_FROM.includes(p.state);
      if (!moved) return undefined;
      const { undo, kept } = rollbackScope(p, ledger);
      const notes = new Map(kept.map((k) => [k.step.id, k.note]));
      const at = nowIso(runtime);
      return {
        promotion: {
          ...p,
          state: 'rolling_back',
          rollbackRequestedBy: user,
          rollbackRound: (p.rollbackRound ?? 0) + 1,
          reason: undefined,
          finishedAt: undefined,
          steps: p.steps.map((s) =>
            undo.some((u) => u.id === s.id)
              ? { ...s, rollbackNote: undefined }
              : notes.has(s.id)
                ? { ...s, rollbackNote: notes.get(s.id) }
                : s,
          ),
          updatedAt: at,
        },
        events: [
          {
            type: 'rollback.requested',
            actor: user,
            summary: `${user} asked to roll back promotion #${p.id}: ${undo.map((s) => s.component).join(', ')}, in that order.${kept.length > 0 ? ` Kept: ${kept.map((k) => k.note).join(' ')}` : ''}`,
            before: { state: p.state },
            after: { state: 'rolling_back' },
            data: { undo: undo.map((s) => s.component), kept: kept.map((k) => k.step.component) },
          },
          ...kept.map((k): PromotionEvent => ({
            type: 'step.rollback_skipped',
            actor: 'baton',
            stepId: k.step.id,
            summary: k.note,
          })),
        ],
      };
    });
    if (!moved) {
      await runtime.store.unlockEnvironment(existing.environment, existing.id);
      return { ok: false, message: `Promotion #${existing.id} is already ${updated.state.replace('_', ' ')}.` };
    }
    await queueNextRollbackStep(runtime, updated);
    const kept = scope.kept.length > 0 ? ` Kept: ${scope.kept.map((k) => k.note).join(' ')}` : '';
    return {
      ok: true,
      message: `Rolling back promotion #${existing.id} (${scope.undo.map((s) => s.component).join(', ')}); progress goes to its thread.${kept}`,
      promotion: updated,
    };
  }

  /** Refuses a freeze or unfreeze the environment's freeze rule does not allow, with an audit record of the attempt. */
  private async checkFreezeRule(environment: Environment, user: string, lifting: boolean): Promise<void> {
    const permission = await this.permits(environment, 'freeze', user);
    if (permission.allowed) return;
    await this.runtime.audit.record(environmentStream(environment.name), {
      type: 'freeze.refused',
      actor: user,
      summary: `${lifting ? 'Unfreeze' : 'Freeze'} of ${environment.name} by ${user} refused: ${permission.message}`,
    });
    throw new BatonError(ErrorCode.Forbidden, permission.message);
  }

  async freeze(environmentName: string, reason: string, user: string): Promise<Freeze> {
    const environment = environmentNamed(this.runtime, environmentName);
    await this.checkFreezeRule(environment, user, false);
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
    const environment = environmentNamed(this.runtime, environmentName);
    await this.checkFreezeRule(environment, user, true);
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
}

function overrideEvent(
  user: string,
  environment: string,
  override: Omit<Override, 'at'>,
  promotionId?: string,
): PromotionEvent {
  const past = [override.freezeAt ? 'the freeze' : '', override.windows ? 'its promotion windows' : '']
    .filter(Boolean)
    .join(' and ');
  return {
    type: 'promotion.overridden',
    actor: user,
    summary: `⚠️ ${user} overrode ${past} of ${environment}${promotionId ? ` for promotion #${promotionId}` : ''}: "${override.reason}".`,
    data: { ...override },
  };
}
