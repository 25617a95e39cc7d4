/**
 * Sensitive outputs at rest: the promotion record, the ledger and the audit
 * log never hold one in clear — whether the adapter marked it sensitive or
 * it carries a `${secret:…}` value — yet the steps that need it get the real
 * value, and data written with another key fails the step that needs it with
 * a message saying so.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { Promotion } from '../../src/core/model.ts';
import { isEncrypted } from '../../src/core/outputs-at-rest.ts';
import { maskSensitiveOutputs } from '../../src/core/redaction.ts';
import { AesOutputCipher } from '../../src/secrets-at-rest.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const PASSWORD = 'pw-7d41-correct-horse';
const TOKEN = 'tok-secret-5a9e-battery';

const PIPELINE = `
version: 1
environments: [{ name: dev }]
components:
  iam:
    adapter: fake
    with:
      outputs:
        queue_url: "https://queue/\${env}"
        db_password: "${PASSWORD}"
        dsn: "postgres://app:\${secret:DB_TOKEN}@db/app"
      sensitive: [db_password]
    outputs: [queue_url, db_password, dsn]
  api:
    adapter: fake
    needs: [iam]
    with:
      seen: "\${iam.outputs.dsn} \${iam.outputs.db_password}"
`;

function keyCalled(source: string): AesOutputCipher {
  return new AesOutputCipher({ bytes: randomBytes(32), source });
}

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

describe('sensitive outputs at rest', () => {
  it('stores a sensitive output and one carrying a secret encrypted, names both sensitive, and hands the dependent the real values', async () => {
    const harness = coreHarness(PIPELINE, { DB_TOKEN: TOKEN });
    const promotion = await run(harness, { iam: '1', api: '1' });
    expect(promotion.state).toBe('succeeded');

    const iam = promotion.steps.find((s) => s.component === 'iam');
    expect(iam?.sensitiveOutputs).toEqual(['db_password', 'dsn']);
    expect(iam?.outputs.queue_url).toBe('https://queue/dev');
    for (const name of ['db_password', 'dsn']) expect(isEncrypted(iam?.outputs[name] ?? '')).toBe(true);
    const ledger = await harness.runtime.store.getLedger('dev');
    expect(ledger.iam?.sensitiveOutputs).toEqual(['db_password', 'dsn']);

    const stored = JSON.stringify([
      promotion,
      ledger,
      await harness.runtime.store.readAudit(promotionStream(promotion.id)),
    ]);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain(TOKEN);

    const api = harness.target.calls.find((c) => c.action === 'apply' && c.component === 'api');
    expect(api?.config.seen).toBe(`postgres://app:${TOKEN}@db/app ${PASSWORD}`);
    expect(api?.inputs.iam).toEqual({
      queue_url: 'https://queue/dev',
      db_password: PASSWORD,
      dsn: `postgres://app:${TOKEN}@db/app`,
    });
  });

  it('encrypts each value anew: the same value stored twice does not look the same', async () => {
    const harness = coreHarness(PIPELINE, { DB_TOKEN: TOKEN });
    await run(harness, { iam: '1', api: '1' });
    const first = (await harness.runtime.store.getLedger('dev')).iam?.outputs.db_password;
    await run(harness, { iam: '2' });
    const second = (await harness.runtime.store.getLedger('dev')).iam?.outputs.db_password;
    expect(first).not.toBe(second);
    expect(harness.runtime.cipher.decrypt(second ?? '')).toBe(PASSWORD);
  });

  it('fails the dependent with a message naming the output and the key when the value was written with another key', async () => {
    const harness = coreHarness(PIPELINE, { DB_TOKEN: TOKEN }, keyCalled('BATON_ENCRYPTION_KEY'));
    await run(harness, { iam: '1', api: '1' });
    // Baton restarted with another key: what the ledger holds cannot be read with it.
    harness.runtime.cipher = keyCalled('BATON_ENCRYPTION_KEY');
    const later = await run(harness, { api: '2' });
    // The dependent's preview is the first to need the value: planning stops there, before anyone approves.
    expect(later.state).toBe('failed');
    expect(later.reason).toContain(
      'api: cannot decrypt output db_password of iam: BATON_ENCRYPTION_KEY is not the key it was written with',
    );
    expect(later.reason).toContain('promote iam again');
    expect(harness.target.calls.filter((c) => c.action === 'apply' && c.component === 'api')).toHaveLength(1);
  });

  it('reads values written with the previous key while keys are changed', async () => {
    const old = randomBytes(32);
    const harness = coreHarness(
      PIPELINE,
      { DB_TOKEN: TOKEN },
      new AesOutputCipher({ bytes: old, source: 'BATON_ENCRYPTION_KEY' }),
    );
    await run(harness, { iam: '1', api: '1' });
    harness.runtime.cipher = new AesOutputCipher({ bytes: randomBytes(32), source: 'BATON_ENCRYPTION_KEY' }, [
      { bytes: old, source: 'BATON_ENCRYPTION_KEY_PREVIOUS' },
    ]);
    const later = await run(harness, { api: '2' });
    expect(later.state).toBe('succeeded');
    expect(harness.target.calls.filter((c) => c.action === 'apply' && c.component === 'api').at(-1)?.config.seen).toBe(
      `postgres://app:${TOKEN}@db/app ${PASSWORD}`,
    );
  });

  it('never shows an encrypted value, even one whose name is not in the sensitive list', () => {
    const envelope = keyCalled('BATON_ENCRYPTION_KEY').encrypt(PASSWORD);
    expect(maskSensitiveOutputs({ outputs: { db_password: envelope, queue_url: 'https://queue/dev' } })).toEqual({
      db_password: '***',
      queue_url: 'https://queue/dev',
    });
  });
});
