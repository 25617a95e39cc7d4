/**
 * Found while reading what the chaos tests turned up: two starts of one
 * approved promotion at once (an approval and a reconcile, two bots
 * reconciling, a freeze lifted) — the one that lost let go of the
 * environment the winner was running in, and another promotion could then
 * plan and apply there meanwhile. The promotion keeps its environment.
 */
import { expect, it } from 'vitest';
import { startWhenFree } from '../../src/core/scheduler.ts';
import { coreHarness } from '../support/core-harness.ts';

it('keeps the environment held by a promotion two callers started at once', async () => {
  const harness = coreHarness(`
version: 1
environments:
  - name: staging
    approvals: { required: 1 }
components:
  api: { adapter: fake, with: { takes: "300" } }
`);
  const { promotions, runtime } = harness;
  const first = await promotions.request({
    release: { name: 'r', versions: { api: '2.0.0' } },
    environment: 'staging',
    requestedBy: 'alice',
  });
  if (first.outcome !== 'planning') throw new Error('refused');
  const id = first.promotion.id;
  await harness.settle();
  // Approved while frozen, it waits; the freeze is lifted under it, and two callers start it at once.
  await promotions.freeze('staging', 'release train', 'carol');
  await promotions.approve(id, 'bob');
  await runtime.store.clearFreeze('staging');
  await Promise.all([startWhenFree(runtime, id), startWhenFree(runtime, id)]);

  expect((await runtime.store.getPromotion(id))?.state).toBe('running');
  expect(await runtime.store.lockHolder('staging')).toBe(id);
  // So the next request waits for it rather than plan beside it.
  const second = await promotions.request({
    release: { name: 'r', versions: { api: '3.0.0' } },
    environment: 'staging',
    requestedBy: 'alice',
  });
  if (second.outcome !== 'planning') throw new Error('refused');
  await new Promise((r) => setTimeout(r, 50));
  expect((await runtime.store.getPromotion(second.promotion.id))?.reason).toBe(
    `waiting for promotion #${id} to finish in staging`,
  );
  await harness.settle();
});
