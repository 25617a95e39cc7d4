/**
 * A worker that lost its hold on a step (it stalled past the queue's lock, so
 * another worker claimed the step's next attempt) must not apply beside the
 * other worker, nor record its own result over the other's.
 */
import { expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { Observed, TargetAdapter } from '../../src/core/adapter-contract.ts';
import { runJob } from '../../src/core/jobs.ts';
import type { Step } from '../../src/core/model.ts';
import { RetryableStepError, TerminalStepError } from '../../src/core/step-errors.ts';
import { samplePromotion } from '../engine/contract-suite.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const ONE_COMPONENT = `
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake, with: { takes: "50" } }
`;

const STEP_JOB = { id: 'step.9.api', data: { kind: 'step', promotionId: '9', stepId: '9.api' } } as const;

async function queuedStep(): Promise<CoreHarness> {
  const harness = coreHarness(ONE_COMPONENT);
  const step: Step = {
    id: '9.api',
    component: 'api',
    adapter: 'fake',
    version: '2',
    previousVersion: '1',
    needs: [],
    wave: 0,
    preview: { summary: 'fake', details: [], reversible: true, changes: true },
    status: 'queued',
    attempts: 0,
    outputs: {},
    log: [],
  };
  await harness.runtime.store.createPromotion(
    samplePromotion('9', {
      state: 'running',
      release: { name: 'r', versions: { api: '2' } },
      waves: [['api']],
      steps: [step],
    }),
  );
  await harness.runtime.store.lockEnvironment('dev', '9');
  return harness;
}

/** Makes the adapter's next `current()` wait until `release` is called; `called` resolves once it was made. */
function holdNextObservation(harness: CoreHarness): { called: Promise<void>; release: () => void } {
  const adapter = fakeAdapter(harness);
  const current = adapter.current.bind(adapter);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let noteCall!: () => void;
  const called = new Promise<void>((resolve) => (noteCall = resolve));
  let held = false;
  adapter.current = async (ctx): Promise<Observed> => {
    if (held) return current(ctx);
    held = true;
    noteCall();
    await released;
    return current(ctx);
  };
  return { called, release };
}

/** The adapter's first apply fails with `failure` when `fail` is called; later ones apply as usual. */
function failFirstApplyWhenTold(harness: CoreHarness, failure: Error): { applies: () => number; fail: () => void } {
  const adapter = fakeAdapter(harness);
  const apply = adapter.apply.bind(adapter);
  let fail!: () => void;
  const told = new Promise<void>((resolve) => (fail = resolve));
  let applies = 0;
  adapter.apply = async (ctx) => {
    applies += 1;
    if (applies > 1) return apply(ctx);
    await told;
    throw failure;
  };
  return { applies: () => applies, fail };
}

function fakeAdapter(harness: CoreHarness): TargetAdapter {
  const adapter = harness.runtime.adapters.get('fake');
  if (!adapter) throw new Error('no fake adapter');
  return adapter;
}

async function auditOf(harness: CoreHarness): Promise<{ type: string; summary: string }[]> {
  return (await harness.runtime.store.readAudit(promotionStream('9'))).map(({ type, summary }) => ({ type, summary }));
}

it('a worker that stalled while another took its step over starts no apply of its own and records nothing', async () => {
  const harness = await queuedStep();
  const { called, release } = holdNextObservation(harness);
  // The first worker claims attempt 1 and stalls looking at the target, past its lock.
  const stalled = runJob(harness.runtime, STEP_JOB);
  await called;
  // The second claims attempt 2 and runs the step to the end.
  await runJob(harness.runtime, STEP_JOB);
  await harness.settle();
  expect((await harness.runtime.store.getPromotion('9'))?.state).toBe('succeeded');
  // The first comes back to life.
  release();
  await stalled;
  await harness.settle();

  expect(harness.target.applied()).toEqual(['api']);
  const promotion = await harness.runtime.store.getPromotion('9');
  expect(promotion?.state).toBe('succeeded');
  expect(promotion?.steps[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  expect((await auditOf(harness)).map((r) => r.type)).toEqual([
    'step.started',
    'step.started',
    'step.succeeded',
    'promotion.succeeded',
  ]);
});

it('a worker whose hold on a step lapses mid-apply stops the apply and leaves the step to the worker that takes it over', async () => {
  const harness = await queuedStep();
  const claim = new AbortController();
  let applySignal: AbortSignal | undefined;
  const adapter = fakeAdapter(harness);
  const apply = adapter.apply.bind(adapter);
  adapter.apply = async (ctx) => {
    if (applySignal) return apply(ctx);
    applySignal = ctx.signal;
    // The target takes its time, and ends when told to stop.
    await new Promise((stopped) => ctx.signal.addEventListener('abort', stopped, { once: true }));
    throw new TerminalStepError('stopped');
  };
  const first = runJob(harness.runtime, { ...STEP_JOB, claim: claim.signal });
  await expect.poll(() => applySignal).toBeDefined();
  claim.abort();
  await first;

  expect(applySignal?.aborted).toBe(true);
  // Nothing recorded of the attempt it gave up: no failure made up, the step still the next worker's to run.
  expect((await harness.runtime.store.getPromotion('9'))?.steps[0]).toMatchObject({ status: 'running', attempts: 1 });
  expect((await auditOf(harness)).map((r) => r.type)).toEqual(['step.started']);

  await runJob(harness.runtime, STEP_JOB);
  await harness.settle();
  const promotion = await harness.runtime.store.getPromotion('9');
  expect(promotion?.state).toBe('succeeded');
  const audit = await auditOf(harness);
  expect(audit.map((r) => r.type)).not.toContain('step.failed');
  expect(audit[1]?.summary).toBe('Resuming api 2 (attempt 2) after an interruption.');
});

it('a worker whose apply ends after another worker took the step over does not record its result over the other’s', async () => {
  const harness = await queuedStep();
  const firstApply = failFirstApplyWhenTold(harness, new TerminalStepError('the target refused the change'));
  const first = runJob(harness.runtime, STEP_JOB);
  await expect.poll(firstApply.applies).toBe(1);
  // The second worker takes the step over (attempt 2) and applies it.
  const second = runJob(harness.runtime, STEP_JOB);
  await expect.poll(firstApply.applies).toBe(2);
  firstApply.fail();
  await first;
  await second;
  await harness.settle();

  const promotion = await harness.runtime.store.getPromotion('9');
  expect(promotion?.state).toBe('succeeded');
  expect(promotion?.steps[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  expect((await auditOf(harness)).map((r) => r.type)).not.toContain('step.failed');
});

it('a worker whose apply fails, retryably, after another took the step over neither says it retries nor tries again', async () => {
  const harness = await queuedStep();
  const firstApply = failFirstApplyWhenTold(harness, new RetryableStepError('the target is busy'));
  const first = runJob(harness.runtime, STEP_JOB);
  await expect.poll(firstApply.applies).toBe(1);
  await runJob(harness.runtime, STEP_JOB);
  firstApply.fail();
  await first;
  await harness.settle();

  expect(firstApply.applies()).toBe(2);
  const audit = (await auditOf(harness)).map((r) => r.type);
  expect(audit).toEqual(['step.started', 'step.started', 'step.succeeded', 'promotion.succeeded']);
});

it('a worker resuming a cut-off step on a hold that already lapsed stops no programs: they may be the next worker’s', async () => {
  const harness = await queuedStep();
  await runJob(harness.runtime, STEP_JOB);
  await harness.settle();
  // Cut off: the step is still running, its attempt 1 in the record.
  await harness.runtime.store.transitionPromotion('9', (p) => ({
    promotion: { ...p, state: 'running', steps: p.steps.map((s) => ({ ...s, status: 'running', attempts: 1 })) },
    records: [],
  }));
  const stopped: string[] = [];
  harness.runtime.programs.stopLeftovers = async (stepId) => {
    stopped.push(stepId);
    return 0;
  };
  const lapsed = new AbortController();
  lapsed.abort();
  await runJob(harness.runtime, { ...STEP_JOB, claim: lapsed.signal });

  expect(stopped).toEqual([]);
  await runJob(harness.runtime, STEP_JOB);
  expect(stopped).toEqual(['9.api']);
});

it('a worker that cannot read whether the step is still its own applies nothing, records no failure and lets the job run again', async () => {
  const harness = await queuedStep();
  const { store } = harness.runtime;
  const adapter = fakeAdapter(harness);
  const current = adapter.current.bind(adapter);
  const getPromotion = store.getPromotion.bind(store);
  let unreachable = false;
  // The store goes away right after the target was looked at, as the worker checks its hold before applying.
  adapter.current = async (ctx) => {
    const observed = await current(ctx);
    unreachable = true;
    return observed;
  };
  store.getPromotion = async (id) => {
    if (!unreachable) return getPromotion(id);
    unreachable = false;
    throw new Error('Connection is closed.');
  };

  await expect(runJob(harness.runtime, STEP_JOB)).rejects.toThrow(
    "api 2: could not check the step is still this worker's (Connection is closed.)",
  );
  expect(harness.target.applied()).toEqual([]);
  expect((await getPromotion('9'))?.steps[0]).toMatchObject({ status: 'running', attempts: 1 });
  expect((await auditOf(harness)).map((r) => r.type)).toEqual(['step.started']);

  adapter.current = current;
  await runJob(harness.runtime, STEP_JOB);
  await harness.settle();
  expect(harness.target.applied()).toEqual(['api']);
  expect((await getPromotion('9'))?.state).toBe('succeeded');
});
