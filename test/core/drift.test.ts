/**
 * Live drift against a fake target changed behind Baton's back: what
 * `observeDrift` reports per component, a target that hangs or throws, and
 * the scheduled check that records (and so posts) only a change of drift.
 */
import { describe, expect, it } from 'vitest';
import type { TargetAdapter } from '../../src/core/adapter-contract.ts';
import { environmentStream } from '../../src/core/audit.ts';
import { DriftSchedule } from '../../src/core/drift-watch.ts';
import { driftLine, observeDrift } from '../../src/core/drift.ts';
import type { CoreRuntime } from '../../src/core/runtime.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const PIPELINE = `
version: 1
environments:
  - name: prod
    drift: { every: 1h }
components:
  api: { adapter: fake, with: { say: "token \${secret:API_TOKEN}" } }
  worker: { adapter: fake }
  cron: { adapter: fake }
`;

const HOUR = 3_600_000;

async function promote(harness: CoreHarness, versions: Record<string, string>): Promise<void> {
  await harness.promotions.request({ release: { name: 'r', versions }, environment: 'prod', requestedBy: 'alice' });
  await harness.settle();
}

/** The same runtime with the fake adapter's `current` replaced. */
function withCurrent(runtime: CoreRuntime, current: TargetAdapter['current']): CoreRuntime {
  const fake = runtime.adapters.get('fake');
  if (!fake) throw new Error('no fake adapter');
  const adapter: TargetAdapter = { ...fake, current };
  return { ...runtime, adapters: { get: (kind) => (kind === 'fake' ? adapter : undefined), kinds: () => ['fake'] } };
}

async function driftRecords(harness: CoreHarness): Promise<string[]> {
  return (await harness.runtime.store.readAudit(environmentStream('prod')))
    .filter((r) => r.type.startsWith('environment.drift'))
    .map((r) => `${r.type}: ${r.summary}`);
}

describe('live drift', () => {
  it('compares what each target runs with what Baton promoted, and says who promoted it', async () => {
    const harness = coreHarness(PIPELINE, { API_TOKEN: 's3cret-token' });
    await promote(harness, { api: '1.4.2', worker: '7' });
    const clean = await observeDrift(harness.runtime, 'prod');
    expect(clean.components.map(driftLine)).toEqual([
      'api: runs 1.4.2 as Baton promoted it (#1)',
      'worker: runs 7 as Baton promoted it (#1)',
      'cron: nothing promoted, nothing running',
    ]);

    harness.target.running.set('prod/api', '1.4.3');
    harness.target.running.set('prod/cron', '0.1');
    const drifted = await observeDrift(harness.runtime, 'prod');
    expect(drifted.components.map((c) => c.state)).toEqual(['drifted', 'same', 'untracked']);
    expect(drifted.components.map(driftLine)).toEqual([
      'api: Baton promoted 1.4.2 (#1, by alice); the target runs 1.4.3',
      'worker: runs 7 as Baton promoted it (#1)',
      'cron: Baton has promoted nothing here; the target runs 0.1',
    ]);
    harness.target.running.delete('prod/worker');
    expect((await observeDrift(harness.runtime, 'prod')).components.map(driftLine)[1]).toBe(
      'worker: Baton promoted 7 (#1, by alice); the target reports no version (its adapter cannot tell, or nothing runs there)',
    );
  });

  it('reports a target that hangs or throws as unreadable, within the bound, with secrets masked, and reads the others', async () => {
    const harness = coreHarness(PIPELINE, { API_TOKEN: 's3cret-token' });
    await promote(harness, { api: '1.4.2', worker: '7' });
    const hanging = withCurrent(harness.runtime, (ctx) =>
      ctx.component === 'api' ? new Promise(() => undefined) : harness.target.adapter().current(ctx as never),
    );
    const began = Date.now();
    const report = await observeDrift(hanging, 'prod', 300);
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(report.components.map(driftLine)).toEqual([
      'api: Baton promoted 1.4.2 (#1, by alice); could not read the target: it did not answer within 300ms',
      'worker: runs 7 as Baton promoted it (#1)',
      'cron: nothing promoted, nothing running',
    ]);

    const throwing = withCurrent(harness.runtime, async (ctx) => {
      throw new Error(`401 from the cluster for ${(ctx.config as { say?: string }).say ?? ''}`);
    });
    const failed = await observeDrift(throwing, 'prod');
    expect(failed.components.map(driftLine)[0]).toBe(
      'api: Baton promoted 1.4.2 (#1, by alice); could not read the target: 401 from the cluster for token ***',
    );
    expect(JSON.stringify(failed)).not.toContain('s3cret-token');

    const runaway = withCurrent(harness.runtime, async () => ({ version: 'x'.repeat(10_000) }));
    const [long] = (await observeDrift(runaway, 'prod')).components.map(driftLine);
    expect(long).toBe(`api: Baton promoted 1.4.2 (#1, by alice); the target runs ${'x'.repeat(99)}…`);
  });

  it('records drift once when it appears, again when it changes, and once when it clears, not at every check', async () => {
    const harness = coreHarness(PIPELINE, { API_TOKEN: 't' });
    await promote(harness, { api: '1.4.2' });
    const schedule = new DriftSchedule(harness.runtime);
    await schedule.checkDue();
    expect(await driftRecords(harness)).toEqual([]);

    harness.target.running.set('prod/api', '1.4.3');
    await schedule.checkDue();
    expect(await driftRecords(harness), 'not due yet: checked less than an hour ago').toEqual([]);
    harness.clock.advance(HOUR);
    await schedule.checkDue();
    const appeared =
      'environment.drifted: Drift in prod: a target runs something else than Baton promoted.\n• api: Baton promoted 1.4.2 (#1, by alice); the target runs 1.4.3\n/promote drift prod shows every component.';
    expect(await driftRecords(harness)).toEqual([appeared]);
    for (let hour = 0; hour < 3; hour += 1) {
      harness.clock.advance(HOUR);
      await schedule.checkDue();
    }
    expect(await driftRecords(harness)).toEqual([appeared]);

    harness.target.running.set('prod/api', '1.4.4');
    harness.clock.advance(HOUR);
    await schedule.checkDue();
    expect((await driftRecords(harness)).at(-1)).toContain('the target runs 1.4.4');

    // While a promotion uses the environment, what it changes is not drift: the check waits.
    await harness.runtime.store.lockEnvironment('prod', '99');
    harness.target.running.set('prod/api', '1.4.2');
    harness.clock.advance(HOUR);
    await schedule.checkDue();
    expect(await driftRecords(harness)).toHaveLength(2);
    await harness.runtime.store.unlockEnvironment('prod', '99');
    await schedule.checkDue();
    expect((await driftRecords(harness)).at(-1)).toBe(
      'environment.drift_cleared: Drift in prod cleared: every target Baton could read runs what Baton promoted.',
    );
    harness.clock.advance(HOUR);
    await schedule.checkDue();
    expect(await driftRecords(harness)).toHaveLength(3);
  });
});
