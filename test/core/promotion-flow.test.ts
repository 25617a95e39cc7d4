/**
 * The core's promotion behaviour on the memory engine with a fake target:
 * ordering, outputs, retries, failure and rollback, environment locks.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { Step } from '../../src/core/model.ts';
import { samplePromotion } from '../engine/contract-suite.ts';
import { runJob } from '../../src/core/jobs.ts';
import { reconcileEnvironments } from '../../src/core/scheduler.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const CHAIN = `
version: 1
environments:
  - name: dev
components:
  iam:
    adapter: fake
    with: { outputs: { queue_url: "https://queue/\${env}" } }
    outputs: [queue_url]
  schema:
    adapter: fake
  api:
    adapter: fake
    needs: [iam, schema]
    with: { seen: "\${iam.outputs.queue_url}" }
  worker:
    adapter: fake
    needs: [api]
`;

const ONE_COMPONENT = `
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake }
`;

async function run(harness: CoreHarness, versions: Record<string, string>, environment = 'dev', user = 'alice') {
  const outcome = await harness.promotions.request({
    release: { name: 'r', versions },
    environment,
    requestedBy: user,
  });
  if (outcome.outcome !== 'planning') throw new Error(`refused: ${JSON.stringify(outcome.checks)}`);
  await harness.settle();
  const promotion = await harness.runtime.store.getPromotion(outcome.promotion.id);
  if (!promotion) throw new Error('promotion vanished');
  return promotion;
}

async function auditTypes(harness: CoreHarness, id: string): Promise<string[]> {
  return (await harness.runtime.store.readAudit(promotionStream(id))).map((r) => r.type);
}

describe('running a promotion', () => {
  it('runs steps in needs order and hands outputs to the steps that need them', async () => {
    const harness = coreHarness(CHAIN);
    const promotion = await run(harness, { iam: '1', schema: '1', api: '1', worker: '1' });
    expect(promotion.state).toBe('succeeded');
    expect(promotion.waves).toEqual([['iam', 'schema'], ['api'], ['worker']]);
    const order = harness.target.applied();
    expect(order.indexOf('api')).toBeGreaterThan(order.indexOf('iam'));
    expect(order.indexOf('api')).toBeGreaterThan(order.indexOf('schema'));
    expect(order.indexOf('worker')).toBeGreaterThan(order.indexOf('api'));
    const api = harness.target.calls.find((c) => c.action === 'apply' && c.component === 'api');
    expect(api?.config.seen).toBe('https://queue/dev');
    expect(api?.inputs.iam).toEqual({ queue_url: 'https://queue/dev' });
    const ledger = { dev: await harness.runtime.store.getLedger('dev') };
    expect(ledger.dev?.api?.version).toBe('1');
    expect(ledger.dev?.iam?.outputs).toEqual({ queue_url: 'https://queue/dev' });
  });

  it('takes the outputs of a component outside the release from what the environment runs', async () => {
    const harness = coreHarness(CHAIN);
    await run(harness, { iam: '1', schema: '1', api: '1', worker: '1' });
    const second = await run(harness, { api: '2' });
    expect(second.state).toBe('succeeded');
    const apply = harness.target.calls.filter((c) => c.action === 'apply' && c.component === 'api').at(-1);
    expect(apply?.config.seen).toBe('https://queue/dev');
    expect(second.steps.map((s) => s.previousVersion)).toEqual(['1']);
  });

  it('tries a retryable failure again and says so in the thread', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake, with: { flakyAttempts: "2" } }
`);
    const promotion = await run(harness, { api: '1' });
    expect(promotion.state).toBe('succeeded');
    expect(harness.target.applied()).toEqual(['api', 'api', 'api']);
    expect((await auditTypes(harness, promotion.id)).filter((t) => t === 'step.retrying')).toHaveLength(2);
  });

  it('waits as long as the target asked before trying again', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake, with: { flakyAttempts: "1", retryAfterMs: "1500" } }
`);
    const promotion = await run(harness, { api: '1' });
    expect(promotion.state).toBe('succeeded');
    const records = await harness.runtime.store.readAudit(promotionStream(promotion.id));
    expect(records.find((r) => r.type === 'step.retrying')?.summary).toBe(
      'api: attempt 1 failed (flaky attempt 1); trying again in 1.5s.',
    );
  });

  it('moves on when a step is delivered again after its worker died between recording the result and moving on', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  first: { adapter: fake }
  second: { adapter: fake, needs: [first] }
`);
    const step = (component: string, wave: number, status: Step['status'], needs: string[]): Step => ({
      id: `9.${component}`,
      component,
      adapter: 'fake',
      version: '1',
      previousVersion: null,
      needs,
      wave,
      preview: { summary: 'fake', details: [], reversible: true, changes: true },
      status,
      attempts: status === 'pending' ? 0 : 1,
      outputs: {},
      log: [],
    });
    await harness.runtime.store.createPromotion(
      samplePromotion('9', {
        state: 'running',
        release: { name: 'r', versions: { first: '1', second: '1' } },
        waves: [['first'], ['second']],
        steps: [step('first', 0, 'succeeded', []), step('second', 1, 'pending', ['first'])],
      }),
    );
    await harness.runtime.store.lockEnvironment('dev', '9');

    await runJob(harness.runtime, { id: 'step.9.first', data: { kind: 'step', promotionId: '9', stepId: '9.first' } });
    await harness.settle();

    const promotion = await harness.runtime.store.getPromotion('9');
    expect(promotion?.state).toBe('succeeded');
    expect(harness.target.applied()).toEqual(['second']);
  });

  it('takes a step whose result could not be recorded up again, and records it once from what the target runs: no failure is made up, no second apply', async () => {
    const harness = coreHarness(ONE_COMPONENT);
    const { store } = harness.runtime;
    const transitionPromotion = store.transitionPromotion.bind(store);
    let refused = 0;
    store.transitionPromotion = (promotionId, change) =>
      transitionPromotion(promotionId, (current) => {
        const changed = change(current);
        // Records are built on a head; built on none here only to see their type.
        if (refused === 0 && changed?.records.some((build) => build(undefined).type === 'step.succeeded')) {
          refused += 1;
          throw new Error('store unreachable');
        }
        return changed;
      });
    const promotion = await run(harness, { api: '1' });
    expect(refused).toBe(1);
    expect(promotion.state).toBe('succeeded');
    const types = await auditTypes(harness, promotion.id);
    expect(types).not.toContain('step.failed');
    expect(types).not.toContain('step.succeeded');
    // The job runs again; the target already runs the version, so the step is recorded as done instead of applied twice.
    expect(types.slice(-2)).toEqual(['step.recovered', 'promotion.succeeded']);
    expect(harness.target.calls.filter((c) => c.action === 'apply').map((c) => c.stepId)).toEqual([
      `${promotion.id}.api`,
    ]);
    expect((await harness.runtime.store.getLedger('dev')).api?.promotionId).toBe(promotion.id);
    expect(await harness.runtime.store.lockHolder('dev')).toBeUndefined();
  });

  it('records nothing for a step let go of at shutdown: it stays running, its environment held, for the worker that takes it over', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake, with: { takes: "60000" } }
`);
    const handBack = new AbortController();
    harness.runtime.stopping = handBack.signal;
    const outcome = await harness.promotions.request({
      release: { name: 'r', versions: { api: '1' } },
      environment: 'dev',
      requestedBy: 'alice',
    });
    if (outcome.outcome !== 'planning') throw new Error('refused');
    const { id } = outcome.promotion;
    await vi.waitFor(() => expect(harness.target.applied()).toEqual(['api']));
    handBack.abort(new Error('stopping'));
    await harness.settle();

    const promotion = await harness.runtime.store.getPromotion(id);
    expect(promotion?.state).toBe('running');
    expect(promotion?.steps[0]?.status).toBe('running');
    expect(promotion?.steps[0]?.error).toBeUndefined();
    expect(await auditTypes(harness, id)).not.toContain('step.failed');
    expect(await harness.runtime.store.lockHolder('dev')).toBe(id);
    // Delivered again to this process, the job starts nothing.
    expect(harness.target.applied()).toEqual(['api']);
  });

  it('leaves nothing listening on the shutdown signal once its steps are done', async () => {
    const harness = coreHarness(CHAIN);
    const handBack = new AbortController();
    harness.runtime.stopping = handBack.signal;
    const promotion = await run(harness, { iam: '1', schema: '1', api: '1', worker: '1' });
    expect(promotion.state).toBe('succeeded');
    // One listener per step ever run would keep every finished step's context alive for as long as the process runs.
    expect(getEventListeners(handBack.signal, 'abort')).toHaveLength(0);
  });

  it('gives up after the retries and fails the promotion', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake, retries: 1, with: { flakyAttempts: "5" } }
`);
    const promotion = await run(harness, { api: '1' });
    expect(promotion.state).toBe('failed');
    expect(harness.target.applied()).toHaveLength(2);
    expect(promotion.steps[0]?.error).toBe('flaky attempt 2');
  });

  it('stops at a failure: dependents are skipped, the ledger keeps what really runs, secrets stay hidden', async () => {
    const harness = coreHarness(
      `
version: 1
environments: [{ name: dev }]
components:
  iam: { adapter: fake }
  api: { adapter: fake, needs: [iam], with: { failOn: "2", seen: "\${secret:API_TOKEN}" } }
  worker: { adapter: fake, needs: [api] }
`,
      { API_TOKEN: 'sekrit-value' },
    );
    await run(harness, { iam: '1', api: '1', worker: '1' });
    const failed = await run(harness, { iam: '2', api: '2', worker: '2' });
    expect(failed.state).toBe('failed');
    expect(failed.steps.map((s) => [s.component, s.status])).toEqual([
      ['iam', 'succeeded'],
      ['api', 'failed'],
      ['worker', 'skipped'],
    ]);
    expect(failed.steps[1]?.error).toBe('api 2 refused to start (token ***)');
    const ledger = { dev: await harness.runtime.store.getLedger('dev') };
    expect([ledger.dev?.iam?.version, ledger.dev?.api?.version, ledger.dev?.worker?.version]).toEqual(['2', '1', '1']);
    const audit = JSON.stringify(await harness.runtime.store.readAudit(promotionStream(failed.id)));
    expect(audit).not.toContain('sekrit-value');
    expect(await auditTypes(harness, failed.id)).toContain('step.skipped');
    // A promotion that did not succeed does not count for `requires`.
    expect(await harness.runtime.store.verifiedAt('dev', 'iam', '2')).toBeUndefined();
  });

  it('rolls back in reverse order, keeping irreversible steps and naming them', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  iam: { adapter: fake, with: { reversible: false } }
  schema: { adapter: fake, needs: [iam] }
  api: { adapter: fake, needs: [schema] }
  worker: { adapter: fake, needs: [api], with: { failOn: "2" } }
`);
    await run(harness, { iam: '1', schema: '1', api: '1', worker: '1' });
    const failed = await run(harness, { iam: '2', schema: '2', api: '2', worker: '2' });
    expect(failed.state).toBe('failed');
    const outcome = await harness.promotions.rollback(failed.id, 'bob');
    expect(outcome.ok).toBe(true);
    await harness.settle();
    const rolledBack = await harness.runtime.store.getPromotion(failed.id);
    expect(rolledBack?.state).toBe('rolled_back');
    expect(rolledBack?.reason).toBe('rolled back; iam is irreversible and kept');
    expect(harness.target.applied('rollback')).toEqual(['worker', 'api', 'schema']);
    expect(harness.target.running.get('dev/api')).toBe('1');
    expect(harness.target.running.get('dev/iam')).toBe('2');
    const ledger = { dev: await harness.runtime.store.getLedger('dev') };
    expect([ledger.dev?.schema?.version, ledger.dev?.api?.version, ledger.dev?.iam?.version]).toEqual(['1', '1', '2']);
    const again = await harness.promotions.rollback(failed.id, 'bob');
    expect(again).toEqual({
      ok: false,
      message: `Promotion #${failed.id} is rolled back: only a finished promotion can be rolled back.`,
    });
  });

  it('lets one promotion at a time into an environment; the next waits and then runs', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake, with: { takes: "150" } }
`);
    const first = await harness.promotions.request({
      release: { name: 'a', versions: { api: '1' } },
      environment: 'dev',
      requestedBy: 'alice',
    });
    const second = await harness.promotions.request({
      release: { name: 'b', versions: { api: '2' } },
      environment: 'dev',
      requestedBy: 'bob',
    });
    if (first.outcome !== 'planning' || second.outcome !== 'planning') throw new Error('refused');
    await new Promise((r) => setTimeout(r, 60));
    expect((await harness.runtime.store.getPromotion(second.promotion.id))?.reason).toBe(
      `waiting for promotion #${first.promotion.id} to finish in dev`,
    );
    await harness.settle();
    const [a, b] = await Promise.all([first, second].map((o) => harness.runtime.store.getPromotion(o.promotion.id)));
    expect([a?.state, b?.state]).toEqual(['succeeded', 'succeeded']);
    expect(Date.parse(b?.steps[0]?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(a?.finishedAt ?? ''));
    expect(harness.target.running.get('dev/api')).toBe('2');
    expect(await auditTypes(harness, second.promotion.id)).toContain('promotion.waiting');
    expect(await harness.runtime.store.lockHolder('dev')).toBeUndefined();
  });
});

describe('environment locks', () => {
  it('frees an environment whose holder is gone, says so, and starts the promotion waiting for it', async () => {
    const harness = coreHarness(ONE_COMPONENT);
    await harness.runtime.store.lockEnvironment('dev', '99');
    const waiting = await harness.promotions.request({
      release: { name: 'r', versions: { api: '1' } },
      environment: 'dev',
      requestedBy: 'alice',
    });
    if (waiting.outcome !== 'planning') throw new Error('refused');
    await harness.settle();
    // Planning waits for the environment too: no preview runs while another promotion may change it.
    expect((await harness.runtime.store.getPromotion(waiting.promotion.id))?.state).toBe('planning');

    await reconcileEnvironments(harness.runtime);
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(waiting.promotion.id))?.state).toBe('succeeded');
    const events = await harness.runtime.store.readAudit('environment-dev');
    expect(events.map((e) => e.summary)).toContain(
      'dev was still held by promotion #99, which does not exist; Baton released it.',
    );
  });

  it('frees an environment still held by a promotion that succeeded a minute ago', async () => {
    const harness = coreHarness(ONE_COMPONENT);
    const finished = await run(harness, { api: '1' });
    // As left by a process that died between recording the end and handing the environment on.
    const finishedAt = harness.clock.now().toISOString();
    const stranded = { ...finished, id: '50', release: { name: 'r2', versions: { api: '2' } }, finishedAt };
    await harness.runtime.store.createPromotion(stranded);
    await harness.runtime.store.lockEnvironment('dev', '50');
    // Just finished: its own process may be letting go right now.
    await reconcileEnvironments(harness.runtime);
    expect(await harness.runtime.store.lockHolder('dev')).toBe('50');
    harness.clock.advance(61_000);
    await reconcileEnvironments(harness.runtime);
    expect(await harness.runtime.store.lockHolder('dev')).toBeUndefined();
    const recovered = (await harness.runtime.store.readAudit('environment-dev')).filter(
      (r) => r.type === 'environment.lock_recovered',
    );
    expect(recovered.map((r) => r.summary)).toEqual([
      'dev was still held by promotion #50, which finished (succeeded); Baton released it.',
    ]);
  });
});

describe('approvals', () => {
  const APPROVALS = `
version: 1
groups: { release-managers: [bob, carol, alice] }
environments:
  - name: prod
    approvals: { required: 2, from: ["@release-managers"] }
components:
  api: { adapter: fake }
`;

  async function awaiting(harness: CoreHarness) {
    const outcome = await harness.promotions.request({
      release: { name: 'r', versions: { api: '1' } },
      environment: 'prod',
      requestedBy: 'alice',
    });
    if (outcome.outcome !== 'planning') throw new Error('refused');
    await harness.settle();
    return outcome.promotion.id;
  }

  it('counts each approver once, even when the same person clicks many times at once', async () => {
    const harness = coreHarness(APPROVALS);
    const id = await awaiting(harness);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => harness.promotions.approve(id, 'bob')));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect((await harness.runtime.store.getPromotion(id))?.approvals.map((a) => a.user)).toEqual(['bob']);
  });

  it('refuses self-approval and outsiders with the reason, and records both', async () => {
    const harness = coreHarness(APPROVALS);
    const id = await awaiting(harness);
    const self = await harness.promotions.approve(id, 'alice');
    expect(self.message).toBe(
      `alice requested promotion #${id} and prod does not allow self-approval: someone else among @release-managers must approve it.`,
    );
    const outsider = await harness.promotions.approve(id, 'mallory');
    expect(outsider.message).toBe(
      "mallory can't approve or reject promotions to prod: only @release-managers may (rule approvals.from of prod). Ask one of them.",
    );
    const refusals = (await harness.runtime.store.readAudit(promotionStream(id))).filter(
      (r) => r.type === 'approval.refused',
    );
    expect(refusals.map((r) => r.actor)).toEqual(['alice', 'mallory']);
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('awaiting_approval');
  });

  it('counts the requester as an approver where the environment allows self-approval', async () => {
    const harness = coreHarness(APPROVALS.replace('required: 2,', 'required: 2, allowSelfApproval: true,'));
    const id = await awaiting(harness);
    expect(await harness.promotions.approve(id, 'alice')).toMatchObject({
      ok: true,
      message: `You approved promotion #${id} (1 of 2).`,
    });
    await harness.promotions.approve(id, 'bob');
    await harness.settle();
    const promotion = await harness.runtime.store.getPromotion(id);
    expect(promotion?.state).toBe('succeeded');
    expect(promotion?.approvals.map((a) => a.user)).toEqual(['alice', 'bob']);
    const granted = (await harness.runtime.store.readAudit(promotionStream(id))).filter(
      (r) => r.type === 'approval.granted',
    );
    expect(granted.map((r) => r.summary)).toEqual(['alice approved (1 of 2).', 'bob approved (2 of 2).']);
  });

  it('starts when the last approval lands', async () => {
    const harness = coreHarness(APPROVALS);
    const id = await awaiting(harness);
    await harness.promotions.approve(id, 'bob');
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('awaiting_approval');
    await harness.promotions.approve(id, 'carol');
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('succeeded');
  });

  it('does not start an approved promotion while its environment is frozen, and starts it when the freeze is lifted', async () => {
    const harness = coreHarness(APPROVALS);
    const first = await awaiting(harness);
    const second = await awaiting(harness);
    await harness.promotions.freeze('prod', 'incident 4411', 'carol');
    for (const id of [first, second]) {
      await harness.promotions.approve(id, 'bob');
      await harness.promotions.approve(id, 'carol');
    }
    await harness.settle();
    const held = await harness.runtime.store.getPromotion(first);
    expect(held?.state).toBe('approved');
    expect(held?.reason).toBe('waiting for the freeze on prod to be lifted');
    expect(harness.target.applied()).toEqual([]);
    const waiting = (await harness.runtime.store.readAudit(promotionStream(first))).filter(
      (r) => r.type === 'promotion.waiting',
    );
    expect(waiting.map((r) => r.summary)).toEqual([
      'Waiting: carol froze prod (incident 4411); this one starts when the freeze is lifted.',
    ]);

    await harness.promotions.unfreeze('prod', 'carol');
    // The oldest goes first; the other is told whom it now waits for.
    expect((await harness.runtime.store.getPromotion(second))?.reason).toBe(
      `waiting for promotion #${first} to finish in prod`,
    );
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(first))?.state).toBe('succeeded');
    // The first changed prod after the second was planned: its plan is made again, differs, and is approved again.
    expect((await harness.runtime.store.getPromotion(second))?.state).toBe('awaiting_approval');
    const replanned = (await harness.runtime.store.readAudit(promotionStream(second))).filter(
      (r) => r.type === 'promotion.replanned',
    );
    expect(replanned.map((r) => r.summary)).toEqual([
      `Planned promotion #${second} again and the plan changed, so it needs approval again: api: its preview's details changed.`,
    ]);
    await harness.promotions.approve(second, 'bob');
    await harness.promotions.approve(second, 'carol');
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(second))?.state).toBe('succeeded');
    expect(harness.target.applied()).toEqual(['api', 'api']);
  });

  it('waits for the next promotion window when approved after the window closed, and starts once it opens', async () => {
    const harness = coreHarness(
      APPROVALS.replace(
        'approvals: { required: 2',
        'windows: ["Mon-Thu 09:00-16:00 Europe/Berlin"]\n    approvals: { required: 2',
      ),
    );
    harness.clock.set(new Date('2026-11-26T09:00:00Z')); // Thursday 10:00 in Berlin.
    const id = await awaiting(harness);
    await harness.promotions.approve(id, 'bob');
    harness.clock.set(new Date('2026-11-26T16:30:00Z')); // 17:30: the window has closed.
    await harness.promotions.approve(id, 'carol');
    await harness.settle();
    const held = await harness.runtime.store.getPromotion(id);
    expect(held?.state).toBe('approved');
    expect(held?.reason).toBe(
      'waiting for a promotion window (Mon-Thu 09:00-16:00 Europe/Berlin); the next opens Mon 30 Nov, 09:00 Europe/Berlin',
    );
    await reconcileEnvironments(harness.runtime);
    expect(harness.target.applied()).toEqual([]);

    harness.clock.set(new Date('2026-11-30T08:00:30Z')); // Monday 09:00:30 in Berlin.
    await reconcileEnvironments(harness.runtime);
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('succeeded');
    const waiting = (await harness.runtime.store.readAudit(promotionStream(id))).filter(
      (r) => r.type === 'promotion.waiting',
    );
    expect(waiting).toHaveLength(1);
  });

  it('ends in exactly one decision when approve and reject race', async () => {
    const harness = coreHarness(APPROVALS.replace('required: 2', 'required: 1'));
    const id = await awaiting(harness);
    const [approval, rejection] = await Promise.all([
      harness.promotions.approve(id, 'bob'),
      harness.promotions.reject(id, 'carol', 'not today'),
    ]);
    expect([approval.ok, rejection.ok].filter(Boolean)).toHaveLength(1);
    await harness.settle();
    const final = await harness.runtime.store.getPromotion(id);
    expect(final?.state).toBe(approval.ok ? 'succeeded' : 'rejected');
  });

  it('needs a reason to reject', async () => {
    const harness = coreHarness(APPROVALS);
    const id = await awaiting(harness);
    expect(await harness.promotions.reject(id, 'bob', '  ')).toEqual({
      ok: false,
      message: 'Give a reason for the rejection: it goes into the audit log.',
    });
    const rejected = await harness.promotions.reject(id, 'bob', 'the changelog is missing');
    expect(rejected.ok).toBe(true);
    expect((await harness.runtime.store.getPromotion(id))?.rejectedBy?.reason).toBe('the changelog is missing');
  });
});
