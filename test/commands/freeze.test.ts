/** /promote freeze and unfreeze, run against the core: what the channel is told, and what it means for a promotion waiting to start. */
import { describe, expect, it } from 'vitest';
import { parseCommand, runCommand } from '../../commands/registry.ts';
import { coreHarness } from '../support/core-harness.ts';

const PIPELINE = `
version: 1
environments:
  - name: prod
    approvals: { required: 1, from: [bob] }
components:
  api: { adapter: fake }
`;

describe('/promote freeze and unfreeze', () => {
  it('tell the channel that approved promotions wait, and start the one that waited when lifted', async () => {
    const harness = coreHarness(PIPELINE);
    const context = (user: string) => ({
      user,
      channel: '#deploys',
      promotions: harness.promotions,
      records: harness.runtime.store,
      pipeline: harness.pipeline,
    });
    const requested = await harness.promotions.request({
      release: { name: 'r', versions: { api: '2' } },
      environment: 'prod',
      requestedBy: 'alice',
    });
    if (requested.outcome !== 'planning') throw new Error('refused');
    await harness.settle();

    const frozen = await runCommand(parseCommand('freeze prod "incident 4411"'), context('bob'));
    expect(frozen.message.text).toBe(
      'prod is frozen: incident 4411. New promotions are refused and approved ones wait until /promote unfreeze prod; one already running goes on.',
    );
    await harness.promotions.approve(requested.promotion.id, 'bob');
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(requested.promotion.id))?.state).toBe('approved');

    const lifted = await runCommand(parseCommand('unfreeze prod'), context('bob'));
    expect(lifted.message.text).toBe('prod is no longer frozen; approved promotions waiting for it start in turn.');
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(requested.promotion.id))?.state).toBe('succeeded');
    expect((await runCommand(parseCommand('unfreeze prod'), context('bob'))).message.text).toBe('prod was not frozen.');
  });
});
