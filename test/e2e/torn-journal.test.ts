/**
 * A crash in the middle of a journal write leaves a torn last line: the next
 * start cuts it, says so in the log and the audit trail, and every line
 * before it is kept — also over the start after that.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../src/app.ts';
import { BATON_STREAM } from '../../src/core/audit.ts';
import { verifyAuditChain } from '../../src/core/audit-record.ts';
import { EXAMPLE_CONFIG } from '../support/start-example.ts';
import { silentLogger } from '../support/silent-logger.ts';

it('cuts a torn last journal line at start, records the repair, and keeps every record before it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-torn-'));
  const warnings: string[] = [];
  const logger = {
    ...silentLogger,
    warn: (details: object, message: string) => void warnings.push(`${message} ${JSON.stringify(details)}`),
  };
  const start = (): Promise<RunningBaton> =>
    startBaton({ configPath: EXAMPLE_CONFIG, dataDir, host: '127.0.0.1', port: 0, logger, retryDelayMs: 10 });
  try {
    const first = await start();
    const outcome = await first.promotions.request({
      release: { name: 'r', versions: { api: '1.4.2', worker: '1.4.2', iam: '2026.11.3', schema: '42' } },
      environment: 'dev',
      requestedBy: 'alice',
    });
    if (outcome.outcome !== 'planning') throw new Error('refused');
    await first.idle();
    await first.close();
    const journal = join(dataDir, 'journal.jsonl');
    const whole = await readFile(journal, 'utf8');
    // What a SIGKILL in the middle of write(2) leaves: half a line, no newline.
    await appendFile(journal, '{"kind":"transition","promotion":{"id":"1","sta');

    const second = await start();
    const repairs = await second.engine.store.readAudit(BATON_STREAM);
    expect(repairs.map((r) => r.type)).toEqual(['journal.repaired']);
    expect(repairs[0]?.summary).toMatch(/journal\.jsonl: cut 47 bytes of line \d+, a write a crash left unfinished/);
    expect(warnings.some((w) => w.includes('the journal was repaired at start'))).toBe(true);
    const promotion = await second.engine.store.getPromotion('1');
    expect(promotion?.state).toBe('succeeded');
    expect(
      verifyAuditChain(
        await second.engine.store.readAudit('promotion-1'),
        promotion?.audit ? { anchor: promotion.audit } : {},
      ),
    ).toEqual({ intact: true });
    await second.close();
    // The repair itself was appended on a clean line: the file is what it was, plus whole lines.
    expect((await readFile(journal, 'utf8')).startsWith(whole)).toBe(true);

    const third = await start();
    expect((await third.engine.store.readAudit(BATON_STREAM)).map((r) => r.type)).toEqual(['journal.repaired']);
    expect((await third.engine.store.getPromotion('1'))?.state).toBe('succeeded');
    await third.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
