/**
 * Found by the Redis chaos test (redis-kills.test.ts): the evidence of a
 * promotion that moved between reading it and reading its audit stream said
 * "Hash chain BROKEN … records were added after it", though nothing was
 * altered. Here the move is put exactly between the two reads, whichever
 * comes first, and the verdict stays intact; a log cut for good still shows.
 */
import { expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import { coreHarness } from '../support/core-harness.ts';

const STAGING = `
version: 1
environments:
  - name: staging
    approvals: { required: 1 }
components:
  api: { adapter: fake }
`;

it('reports the chain of a promotion that moved while its evidence was read as intact', async () => {
  const harness = coreHarness(STAGING);
  const { promotions, runtime } = harness;
  const requested = await promotions.request({
    release: { name: 'r', versions: { api: '2.0.0' } },
    environment: 'staging',
    requestedBy: 'alice',
  });
  if (requested.outcome !== 'planning') throw new Error('refused');
  const id = requested.promotion.id;
  await harness.settle();

  // Right after the first of the evidence's reads, alice clicks Approve on her own request: refused, and recorded.
  const { store } = runtime;
  let moved = false;
  const moveOnce = async <T>(value: T): Promise<T> => {
    if (!moved) {
      moved = true;
      await promotions.approve(id, 'alice');
    }
    return value;
  };
  const getPromotion = store.getPromotion.bind(store);
  const readAudit = store.readAudit.bind(store);
  store.getPromotion = (promotionId) => getPromotion(promotionId).then(moveOnce);
  store.readAudit = (stream, afterSeq) => readAudit(stream, afterSeq).then(moveOnce);

  const bundle = await promotions.evidence(id);
  expect(moved).toBe(true);
  expect(bundle.chain).toEqual({ intact: true });
  expect(bundle.events.at(-1)?.type).toBe('approval.refused');
  expect(bundle.promotion.audit?.count).toBe(bundle.events.length);

  // A stream whose tail is gone for good is still reported.
  const records = await readAudit(promotionStream(id));
  store.readAudit = async () => records.slice(0, -1);
  expect((await promotions.evidence(id)).chain).toMatchObject({
    intact: false,
    problem: expect.stringContaining('cut from its end'),
  });
});
