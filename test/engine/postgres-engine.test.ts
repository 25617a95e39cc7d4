import { describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain } from '../../src/core/audit-record.ts';
import type { AuditBuild, Engine } from '../../src/engine/contract.ts';
import { MemoryQueue } from '../../src/engine/memory/memory-queue.ts';
import { openPostgresRecords } from '../../src/engine/postgres/index.ts';
import { createThrowawayDatabase } from '../support/postgres-database.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { describeEngineContract, NUDGE_DELAY_MS, samplePromotion, updatePromotion } from './contract-suite.ts';

/** Records in PostgreSQL beside in-process queues; `shared`, so a second opening (a restart, a replica) may sit beside it. */
async function openEngine(url: string): Promise<Engine> {
  const records = await openPostgresRecords({ url, logger: silentLogger, use: 'shared' });
  return {
    name: 'postgres',
    health: records.health,
    store: records.store,
    queue: new MemoryQueue(silentLogger, { nudgeDelayMs: NUDGE_DELAY_MS }),
    outbox: new MemoryQueue(silentLogger, { nudgeDelayMs: NUDGE_DELAY_MS }),
  };
}

async function closeAll(engines: Engine[]): Promise<void> {
  for (const engine of engines) {
    await engine.queue.close();
    await engine.outbox.close();
    await engine.store.close();
  }
}

describeEngineContract('postgres', async () => {
  const database = await createThrowawayDatabase();
  const engine = await openEngine(database.url);
  // Open the pool's connections first, as a running bot's are: on a busy machine opening ten takes longer than the suite's 200 ms claims and leases last.
  await Promise.all(Array.from({ length: 10 }, () => engine.store.getPromotion('1')));
  const reopened: Engine[] = [];
  return {
    engine,
    reopen: async () => {
      const again = await openEngine(database.url);
      reopened.push(again);
      return again;
    },
    cleanup: async () => {
      await closeAll([engine, ...reopened]).catch(() => undefined);
      await database.drop();
    },
  };
});

describe('postgres engine, two replicas on one database', () => {
  async function twoReplicas(): Promise<{ one: Engine; two: Engine; done: () => Promise<void> }> {
    const database = await createThrowawayDatabase();
    const one = await openEngine(database.url);
    const two = await openEngine(database.url);
    return {
      one,
      two,
      done: async () => {
        await closeAll([one, two]);
        await database.drop();
      },
    };
  }

  it('counts one decision among concurrent conditional updates from both replicas', async () => {
    const { one, two, done } = await twoReplicas();
    try {
      await one.store.createPromotion(samplePromotion('1'));
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          updatePromotion((i % 2 === 0 ? one : two).store, '1', (p) =>
            p.state === 'awaiting_approval'
              ? { ...p, state: i % 4 < 2 ? 'approved' : 'rejected', reason: `u${i}` }
              : undefined,
          ),
        ),
      );
      const winners = outcomes.filter((p, i) => p.reason === `u${i}`);
      expect(winners).toHaveLength(1);
      expect((await two.store.getPromotion('1'))?.reason).toBe(winners[0]?.reason);
    } finally {
      await done();
    }
  });

  it('loses no change and keeps one chain when both replicas change a promotion and append its records at once', async () => {
    const { one, two, done } = await twoReplicas();
    try {
      await one.store.createPromotion(samplePromotion('1'));
      const record =
        (i: number): AuditBuild =>
        (previous) =>
          sealAuditRecord(
            'promotion-1',
            { type: 'promotion.approved', actor: `u${i}`, summary: `approved by u${i}`, promotionId: '1' },
            previous,
            'now',
          );
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const engine = i % 2 === 0 ? one : two;
          if (i % 5 === 0) return engine.store.appendAudit('promotion-1', record(i));
          return engine.store.transitionPromotion('1', (p) => ({
            promotion: { ...p, approvals: [...p.approvals, { user: `u${i}`, at: 'now' }] },
            records: [record(i)],
          }));
        }),
      );
      const promotion = await one.store.getPromotion('1');
      expect(promotion?.approvals).toHaveLength(32);
      const records = await two.store.readAudit('promotion-1');
      expect(records).toHaveLength(40);
      expect(verifyAuditChain(records)).toEqual({ intact: true });
      // The anchor names the last record a transition wrote, whichever replica wrote it (an append alone leaves the promotion as it is).
      const anchor = promotion?.audit;
      expect(anchor && records[anchor.count - 1]?.hash).toBe(anchor?.head);
      expect(anchor?.count).toBeGreaterThanOrEqual(
        records.filter((r) => promotion?.approvals.some((a) => a.user === r.actor)).at(-1)?.seq ?? 0,
      );
    } finally {
      await done();
    }
  });

  it('keeps one chain when both replicas start a new stream at once', async () => {
    const { one, two, done } = await twoReplicas();
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? one : two).store.appendAudit('environment-prod', (previous) =>
            sealAuditRecord(
              'environment-prod',
              { type: 'environment.frozen', actor: 'alice', summary: `frozen ${i}` },
              previous,
              'now',
            ),
          ),
        ),
      );
      const records = await one.store.readAudit('environment-prod');
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(verifyAuditChain(records)).toEqual({ intact: true });
    } finally {
      await done();
    }
  });
});

describe('postgres engine, when PostgreSQL drops its connections', () => {
  it('says so in words on a call that could not be made, and carries on with new connections', async () => {
    const database = await createThrowawayDatabase();
    const engine = await openEngine(database.url);
    try {
      await engine.store.createPromotion(samplePromotion('1'));
      await Promise.all([
        engine.store.getPromotion('1'),
        engine.store.getPromotion('1'),
        engine.store.lockHolder('dev'),
      ]);
      // Dropped while idle and while transactions are under way: a break between two statements must not end the process.
      await database.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      const writes = Array.from({ length: 20 }, (_, i) =>
        updatePromotion(engine.store, '1', (p) => ({ ...p, reason: `after the drop ${i}` })),
      );
      const appends = Array.from({ length: 20 }, (_, i) =>
        engine.store.appendAudit(`environment-e${i}`, (previous) =>
          sealAuditRecord(
            `environment-e${i}`,
            { type: 'environment.frozen', actor: 'a', summary: 's' },
            previous,
            'now',
          ),
        ),
      );
      // Watched from the start: a call may fail while the second drop is still being asked for.
      const settled = Promise.allSettled([...writes, ...appends]);
      await new Promise((resolve) => setTimeout(resolve, 2));
      await database.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      const outcomes = await settled;
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected')
          expect(String(outcome.reason)).toMatch(/Baton can't reach its PostgreSQL right now .* try again in a moment/);
      }
      await expect
        .poll(async () => (await updatePromotion(engine.store, '1', (p) => ({ ...p, reason: 'later' }))).reason, {
          timeout: 10_000,
        })
        .toBe('later');
      expect((await engine.health()).ready).toBe(true);
    } finally {
      await closeAll([engine]);
      await database.drop();
    }
  });

  it("keeps a person's words as they are, NUL and broken surrogates included, and takes no SQL from them", async () => {
    const database = await createThrowawayDatabase();
    const engine = await openEngine(database.url);
    try {
      const words = 'a\u0000b \ud800 "quoted" \\ back\tslash\nnewline 🚀';
      await engine.store.createPromotion(samplePromotion('1', { requestedBy: `mallory${words}`, reason: words }), [
        (previous) =>
          sealAuditRecord(
            'promotion-1',
            { type: 'promotion.requested', actor: words, summary: words, promotionId: '1' },
            previous,
            'now',
          ),
      ]);
      const promotion = await engine.store.getPromotion('1');
      expect(promotion?.reason).toBe(words);
      expect(promotion?.requestedBy).toBe(`mallory${words}`);
      const records = await engine.store.readAudit('promotion-1');
      expect(records[0]?.summary).toBe(words);
      expect(verifyAuditChain(records)).toEqual({ intact: true });
      expect(await engine.store.getPromotion('1; DROP TABLE baton.promotions')).toBeUndefined();
      await expect(engine.store.claimOnce(`delivery${words}`, 1000)).resolves.toBe(true);
      expect(await engine.store.listPromotions({ environment: "dev' OR '1'='1" })).toEqual([]);
    } finally {
      await closeAll([engine]);
      await database.drop();
    }
  });
});
