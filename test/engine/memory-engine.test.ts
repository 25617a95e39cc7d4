import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain } from '../../src/core/audit-record.ts';
import { checkDataFolder } from '../../src/data-folder/check.ts';
import { createMemoryEngine } from '../../src/engine/memory/index.ts';
import { journalSyncs } from '../../src/journal.ts';
import { MemoryStore } from '../../src/engine/memory/memory-store.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { describeEngineContract, NUDGE_DELAY_MS, samplePromotion } from './contract-suite.ts';

describeEngineContract('memory', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-memory-'));
  const engine = createMemoryEngine({ dataDir, logger: silentLogger, nudgeDelayMs: NUDGE_DELAY_MS });
  return {
    engine,
    reopen: async () => createMemoryEngine({ dataDir, logger: silentLogger }),
    cleanup: async () => {
      await engine.queue.close();
      await engine.outbox.close();
      await engine.store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

/** Promotion #1's two records, as an earlier Baton sealed them. */
function requestedThenSucceeded() {
  const requested = sealAuditRecord(
    'promotion-1',
    { type: 'promotion.requested', actor: 'alice', summary: 'asked', promotionId: '1' },
    undefined,
    'then',
  );
  const succeeded = sealAuditRecord(
    'promotion-1',
    { type: 'promotion.succeeded', actor: 'baton', summary: 'done', promotionId: '1' },
    requested,
    'then',
  );
  return [requested, succeeded] as const;
}

describe("the embedded engine's data folder", () => {
  it('keeps locks and thread cursors without a sync of their own: the next synced change takes them to the disk', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-memory-syncs-'));
    try {
      const store = new MemoryStore(dataDir);
      await store.createPromotion(samplePromotion('1'));
      const syncsBefore = journalSyncs();
      expect(await store.lockEnvironment('dev', '1')).toBe('1');
      expect(await store.advanceThreadCursor('promotion-1', 0, 1)).toBe(true);
      await store.unlockEnvironment('dev', '1');
      expect(await store.lockEnvironment('staging', '1')).toBe('1');
      expect(journalSyncs()).toBe(syncsBefore);
      // Written all the same: a process killed now loses none of it (the lines are in the page cache).
      const killed = new MemoryStore(dataDir);
      expect(await killed.lockHolder('dev')).toBeUndefined();
      expect(await killed.lockHolder('staging')).toBe('1');
      expect(await killed.threadCursor('promotion-1')).toBe(1);
      await killed.close();

      await store.createPromotion(samplePromotion('2'));
      expect(journalSyncs()).toBe(syncsBefore + 1);
      await store.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('folds the three files of the earlier layout into its one journal, losing nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-memory-earlier-'));
    try {
      const promotion = samplePromotion('1', { state: 'succeeded' });
      const [requested, succeeded] = requestedThenSucceeded();
      const lines = (entries: unknown[]) => entries.map((e) => `${JSON.stringify(e)}\n`).join('');
      await writeFile(join(dataDir, 'promotions.jsonl'), lines([{ ...promotion, state: 'running' }, promotion]));
      await writeFile(
        join(dataDir, 'state.jsonl'),
        lines([
          { kind: 'counter', value: 1 },
          {
            kind: 'ledger',
            environment: 'dev',
            component: 'api',
            entry: { version: '1.0.0', since: 'then', promotionId: '1', outputs: {} },
          },
          { kind: 'cursor', stream: 'promotion-1', seq: 1 },
        ]),
      );
      await writeFile(join(dataDir, 'audit.jsonl'), lines([requested, succeeded]));

      const engine = createMemoryEngine({ dataDir, logger: silentLogger });
      expect((await engine.store.getPromotion('1'))?.state).toBe('succeeded');
      expect((await engine.store.getLedger('dev')).api?.version).toBe('1.0.0');
      expect(verifyAuditChain(await engine.store.readAudit('promotion-1'))).toEqual({ intact: true });
      expect(await engine.store.unpostedStreams(10)).toEqual(['promotion-1']);
      expect(await engine.store.nextPromotionId()).toBe('2');
      await engine.store.close();
      expect((await readdir(dataDir)).sort()).toEqual(['journal.jsonl']);

      const reopened = createMemoryEngine({ dataDir, logger: silentLogger });
      expect((await reopened.store.getPromotion('1'))?.state).toBe('succeeded');
      expect(await reopened.store.readAudit('promotion-1')).toHaveLength(2);
      expect(await reopened.store.nextPromotionId()).toBe('3');
      await reopened.store.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('carries the threads a journal kept in its promotions into threads of their own, and compacts them so', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-memory-threads-'));
    try {
      const promotion = samplePromotion('1');
      const thread = { channel: '#deploys', messageId: 'm1' };
      const [requested, succeeded] = requestedThenSucceeded();
      // As a Baton that kept the thread in the promotion wrote it: noted once, then carried by every later change.
      const journal = join(dataDir, 'journal.jsonl');
      await writeFile(
        journal,
        [
          { kind: 'counter', value: 1 },
          { kind: 'transition', promotion, records: [requested] },
          { kind: 'promotion', promotion: { ...promotion, thread } },
          { kind: 'transition', promotion: { ...promotion, state: 'succeeded', thread }, records: [succeeded] },
          { kind: 'cursor', stream: 'promotion-1', seq: 2 },
        ]
          .map((entry) => `${JSON.stringify(entry)}\n`)
          .join(''),
      );
      expect(checkDataFolder(dataDir).problems).toEqual([]);

      const store = new MemoryStore(dataDir);
      expect(await store.threadOf('1')).toEqual(thread);
      expect(await store.getPromotion('1')).toEqual({ ...promotion, state: 'succeeded' });
      store.compact();
      await store.close();
      const lines = (await readFile(journal, 'utf8')).trimEnd().split('\n');
      expect(lines).toContain(JSON.stringify({ kind: 'thread', promotionId: '1', thread }));
      expect(lines.filter((line) => line.includes('"thread":{') && !line.startsWith('{"kind":"thread"'))).toEqual([]);
      expect(checkDataFolder(dataDir).problems).toEqual([]);

      const reopened = createMemoryEngine({ dataDir, logger: silentLogger });
      expect(await reopened.store.threadOf('1')).toEqual(thread);
      expect((await reopened.store.getPromotion('1'))?.state).toBe('succeeded');
      await reopened.store.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
