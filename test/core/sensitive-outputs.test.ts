/**
 * Outputs a step declares sensitive: dependents get the value, people never
 * see it — not in the thread, the audit log, the evidence bundle or any
 * later step's log.
 */
import { describe, expect, it } from 'vitest';
import { renderThreadEvent } from '../../src/chat/render/thread-event.ts';
import { promotionStream } from '../../src/core/audit.ts';
import { buildEvidence, evidenceMarkdown } from '../../src/core/evidence.ts';
import type { Promotion } from '../../src/core/model.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const PASSWORD = 'pw-9f2c-hunter2';

const PIPELINE = `
version: 1
environments:
  - name: dev
components:
  iam:
    adapter: fake
    with:
      outputs: { queue_url: "https://queue/\${env}", db_password: "${PASSWORD}" }
      sensitive: [db_password]
      say: "created the database user with password ${PASSWORD}"
    outputs: [queue_url, db_password]
  api:
    adapter: fake
    needs: [iam]
    with:
      seen: "\${iam.outputs.db_password}"
      say: "connecting to \${iam.outputs.queue_url} with password \${iam.outputs.db_password}"
`;

async function run(harness: CoreHarness, versions: Record<string, string>): Promise<Promotion> {
  const outcome = await harness.promotions.request({
    release: { name: 'r', versions },
    environment: 'dev',
    requestedBy: 'alice',
  });
  if (outcome.outcome !== 'planning') throw new Error(`refused: ${JSON.stringify(outcome.checks)}`);
  await harness.settle();
  const promotion = await harness.runtime.store.getPromotion(outcome.promotion.id);
  if (!promotion) throw new Error('promotion vanished');
  return promotion;
}

function stepLog(promotion: Promotion, component: string): string[] {
  return promotion.steps.find((s) => s.component === component)?.log ?? [];
}

describe('sensitive outputs', () => {
  it('hands the real value to the step that needs it', async () => {
    const harness = coreHarness(PIPELINE);
    const promotion = await run(harness, { iam: '1', api: '1' });
    expect(promotion.state).toBe('succeeded');
    const api = harness.target.calls.find((c) => c.action === 'apply' && c.component === 'api');
    expect(api?.config.seen).toBe(PASSWORD);
    expect(api?.inputs.iam?.db_password).toBe(PASSWORD);
  });

  it('masks the value in the log of the step that published it and of its dependents', async () => {
    const harness = coreHarness(PIPELINE);
    const promotion = await run(harness, { iam: '1', api: '1' });
    expect(stepLog(promotion, 'iam')).toContain('created the database user with password ***');
    expect(stepLog(promotion, 'api')).toContain('connecting to https://queue/dev with password ***');
  });

  it('shows the output by name only in the thread and keeps no clear value in the audit log', async () => {
    const harness = coreHarness(PIPELINE);
    const promotion = await run(harness, { iam: '1', api: '1' });
    const records = await harness.runtime.store.readAudit(promotionStream(promotion.id));
    expect(JSON.stringify(records)).not.toContain(PASSWORD);
    const thread = records.flatMap((record) => renderThreadEvent(record, promotion) ?? []);
    expect(JSON.stringify(thread)).not.toContain(PASSWORD);
    const fields = thread.flatMap((message) =>
      message.blocks.flatMap((block) => (block.type === 'fields' ? block.fields : [])),
    );
    expect(fields).toContainEqual({ label: 'db_password', value: '***' });
    expect(fields).toContainEqual({ label: 'queue_url', value: 'https://queue/dev' });
  });

  it('keeps the value out of the evidence bundle, as JSON and as Markdown', async () => {
    const harness = coreHarness(PIPELINE);
    const promotion = await run(harness, { iam: '1', api: '1' });
    const bundle = buildEvidence(
      promotion,
      [...(await harness.runtime.store.readAudit(promotionStream(promotion.id)))],
      harness.runtime.audit,
      undefined,
    );
    expect(JSON.stringify(bundle)).not.toContain(PASSWORD);
    expect(bundle.chain.intact).toBe(true);
    const markdown = evidenceMarkdown(bundle);
    expect(markdown).not.toContain(PASSWORD);
    expect(markdown).toContain('db_password = ***');
    expect(markdown).toContain('queue_url = https://queue/dev');
  });

  it('keeps the value secret in later promotions that take it from what the environment runs', async () => {
    const harness = coreHarness(PIPELINE);
    await run(harness, { iam: '1', api: '1' });
    expect((await harness.runtime.store.getLedger('dev')).iam?.sensitiveOutputs).toEqual(['db_password']);
    const later = await run(harness, { api: '2' });
    expect(later.state).toBe('succeeded');
    const api = harness.target.calls.filter((c) => c.action === 'apply' && c.component === 'api').at(-1);
    expect(api?.config.seen).toBe(PASSWORD);
    expect(stepLog(later, 'api')).toContain('connecting to https://queue/dev with password ***');
    expect(JSON.stringify(await harness.runtime.store.readAudit(promotionStream(later.id)))).not.toContain(PASSWORD);
  });

  it('masks the value of a rolled-back promotion in its evidence, including the ledger entry it replaced', async () => {
    const harness = coreHarness(`
version: 1
environments: [{ name: dev }]
components:
  iam:
    adapter: fake
    with: { outputs: { db_password: "${PASSWORD}" }, sensitive: [db_password] }
    outputs: [db_password]
  api:
    adapter: fake
    needs: [iam]
    with: { failOn: "2" }
`);
    await run(harness, { iam: '1', api: '1' });
    const failed = await run(harness, { iam: '2', api: '2' });
    expect(failed.state).toBe('failed');
    await harness.promotions.rollback(failed.id, 'bob');
    await harness.settle();
    const rolledBack = await harness.runtime.store.getPromotion(failed.id);
    if (!rolledBack) throw new Error('promotion vanished');
    expect(rolledBack.state).toBe('rolled_back');
    const replaced = rolledBack.steps.find((s) => s.component === 'iam')?.ledgerBefore?.outputs.db_password ?? '';
    expect(harness.runtime.cipher.decrypt(replaced)).toBe(PASSWORD);
    const bundle = buildEvidence(
      rolledBack,
      [...(await harness.runtime.store.readAudit(promotionStream(failed.id)))],
      harness.runtime.audit,
      undefined,
    );
    expect(JSON.stringify(bundle)).not.toContain(PASSWORD);
  });
});
