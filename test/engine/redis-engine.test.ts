import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain } from '../../src/core/audit-record.ts';
import type { AuditBuild, Engine, Job } from '../../src/engine/contract.ts';
import { createRedisEngine } from '../../src/engine/redis/index.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { describeEngineContract, NUDGE_DELAY_MS, samplePromotion, updatePromotion } from './contract-suite.ts';

let server: RedisServer;
let database = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

function openEngine(prefix: string): Promise<Engine> {
  return createRedisEngine({
    url: server.url,
    logger: silentLogger,
    prefix,
    lockDurationMs: 2000,
    stalledCheckMs: 500,
    nudgeDelayMs: NUDGE_DELAY_MS,
  });
}

describeEngineContract('redis', async () => {
  // A fresh key prefix per test keeps tests apart on one server.
  const prefix = `test${(database += 1)}`;
  const engine = await openEngine(prefix);
  const reopened: Engine[] = [];
  return {
    engine,
    reopen: async () => {
      const again = await openEngine(prefix);
      reopened.push(again);
      return again;
    },
    cleanup: async () => {
      for (const other of [engine, ...reopened]) {
        await other.queue.close();
        await other.outbox.close();
        await other.store.close().catch(() => {});
      }
    },
  };
});

describe('redis engine, two replicas on one Redis', () => {
  async function twoReplicas(): Promise<[Engine, Engine]> {
    const prefix = `replicas${(database += 1)}`;
    return [await openEngine(prefix), await openEngine(prefix)];
  }

  async function closeAll(engines: Engine[]): Promise<void> {
    for (const engine of engines) {
      await engine.queue.close();
      await engine.outbox.close();
      await engine.store.close();
    }
  }

  it('applies an update on what the other replica wrote since, not on what this one saw last', async () => {
    const [one, two] = await twoReplicas();
    await one.store.createPromotion(samplePromotion('1'));
    await updatePromotion(one.store, '1', (p) => ({ ...p, approvals: [{ user: 'a', at: 'now' }] }));
    await updatePromotion(two.store, '1', (p) => ({ ...p, approvals: [...p.approvals, { user: 'b', at: 'now' }] }));
    const seen = await updatePromotion(one.store, '1', (p) => ({
      ...p,
      approvals: [...p.approvals, { user: 'c', at: 'now' }],
    }));
    expect(seen.approvals.map((a) => a.user)).toEqual(['a', 'b', 'c']);
    // A change that decides nothing is still decided on the current value.
    let approvalsSeen = 0;
    await updatePromotion(two.store, '1', (p) => {
      approvalsSeen = p.approvals.length;
      return undefined;
    });
    expect(approvalsSeen).toBe(3);
    await closeAll([one, two]);
  });

  it('counts one decision among concurrent conditional updates from both replicas', async () => {
    const [one, two] = await twoReplicas();
    await one.store.createPromotion(samplePromotion('1'));
    await two.store.getPromotion('1');
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
    expect((await one.store.getPromotion('1'))?.reason).toBe(winners[0]?.reason);
    await closeAll([one, two]);
  });

  it('writes what was changed, byte for byte, also around text that is not ASCII', async () => {
    const [one, two] = await twoReplicas();
    const steps = ['api', 'wörker', 'schema'].map((component, i) => ({
      id: `1.${component}`,
      component,
      adapter: 'script',
      version: `${i}.0.0`,
      previousVersion: null,
      needs: [],
      wave: 0,
      preview: {
        summary: `will deploy ${component} — “carefully” 🚀`,
        details: ['ünïcödé'],
        reversible: true,
        changes: true,
      },
      status: 'queued' as const,
      attempts: 0,
      outputs: {},
      log: [],
    }));
    await one.store.createPromotion(samplePromotion('1', { state: 'running', steps }));
    for (const [i, step] of steps.entries()) {
      await updatePromotion(one.store, '1', (p) => ({
        ...p,
        steps: p.steps.map((s) =>
          s.id === step.id ? { ...s, status: 'succeeded', log: [`done ✓ ${i}`], outputs: { url: 'é' } } : s,
        ),
        updatedAt: `t${i}`,
      }));
    }
    const expected = await updatePromotion(one.store, '1', (p) => ({
      ...p,
      state: 'succeeded',
      reason: 'fertig — alles grün',
    }));
    const stored = await two.store.getPromotion('1');
    expect(stored).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(stored?.steps.map((s) => s.log)).toEqual([['done ✓ 0'], ['done ✓ 1'], ['done ✓ 2']]);
    await closeAll([one, two]);
  });

  it('updates a promotion stored in a shape of its own (keys reordered, spaces) by writing it whole', async () => {
    const [one] = await twoReplicas();
    await one.store.createPromotion(samplePromotion('1'));
    const prefix = `replicas${database}`;
    const raw = new Redis(server.url);
    const { id, ...rest } = samplePromotion('1', { reason: 'hand-made' });
    await raw.set(`${prefix}:promotion:1`, JSON.stringify({ ...rest, id }, null, 2));
    await one.store.getPromotion('1');
    const updated = await updatePromotion(one.store, '1', (p) => ({ ...p, state: 'approved' }));
    expect(JSON.parse((await raw.get(`${prefix}:promotion:1`)) ?? 'null')).toEqual(JSON.parse(JSON.stringify(updated)));
    expect(updated.reason).toBe('hand-made');
    raw.disconnect();
    await closeAll([one]);
  });

  it("tells a running job when this replica's hold on it lapsed, and the job runs again, held", async () => {
    const prefix = `replicas${(database += 1)}`;
    const [one, two] = [await openEngine(prefix), await openEngine(prefix)];
    const redis = new Redis(server.url);
    try {
      const job = { id: 'step.1.api', data: { kind: 'step', promotionId: '1', stepId: '1.api' } } as const;
      let first: AbortSignal | undefined;
      const reruns: string[] = [];
      // Runs on until told, the first time: the lock, not the handler's end, decides when the job may run again.
      const handler = async ({ claim }: Job) => {
        if (first) {
          reruns.push(claim?.aborted === false ? 'held' : 'not held');
          return;
        }
        first = claim;
        await new Promise((done) => claim?.addEventListener('abort', done, { once: true }));
      };
      one.queue.work(handler, { concurrency: 1 });
      await one.queue.add(job);
      await expect.poll(() => first, { timeout: 5000 }).toBeDefined();
      expect(first?.aborted).toBe(false);
      two.queue.work(handler, { concurrency: 1 });
      // As if this replica had stalled past its lock: the lock is gone when it comes to renew it.
      expect(await redis.del(`${prefix}:jobs:step.1.api:lock`)).toBe(1);
      await expect.poll(() => first?.aborted, { timeout: 5000 }).toBe(true);
      await expect.poll(() => reruns, { timeout: 10_000 }).toEqual(['held']);
    } finally {
      redis.disconnect();
      await closeAll([one, two]);
    }
  });

  it('agrees on one thread when both replicas post the plan message at once', async () => {
    const [one, two] = await twoReplicas();
    await one.store.createPromotion(samplePromotion('1'));
    const [first, second] = await Promise.all([
      one.store.noteThread('1', { channel: '#deploys', messageId: 'm1' }),
      two.store.noteThread('1', { channel: '#deploys', messageId: 'm2' }),
    ]);
    expect(second).toEqual(first);
    expect(await two.store.threadOf('1')).toEqual(first);
    await closeAll([one, two]);
  });

  it("finds the thread a Baton of the version before kept in the promotion's JSON, and lets it stand", async () => {
    const [one, two] = await twoReplicas();
    await one.store.createPromotion(samplePromotion('1'));
    // Words Lua's JSON decoder would refuse: an unpaired surrogate, as Node writes it.
    await one.store.createPromotion(samplePromotion('2', { reason: 'half an emoji \ud83d' }));
    const prefix = `replicas${database}`;
    const raw = new Redis(server.url);
    const thread = { channel: '#deploys', messageId: 'old' };
    // What that version's bot wrote once it had posted the plan message.
    await raw.set(`${prefix}:promotion:1`, JSON.stringify({ ...samplePromotion('1'), thread }));
    expect(await two.store.threadOf('1')).toEqual(thread);
    expect(await two.store.threadsOf(['1', '2'])).toEqual(new Map([['1', thread]]));
    expect(await one.store.noteThread('1', { channel: '#deploys', messageId: 'new' })).toEqual(thread);
    expect(JSON.parse((await raw.get(`${prefix}:thread:1`)) ?? 'null')).toEqual(thread);
    const second = { channel: '#deploys', messageId: 'two' };
    expect(await two.store.noteThread('2', second)).toEqual(second);
    expect(await one.store.threadOf('2')).toEqual(second);
    // Changes of the promotion go on as before.
    await updatePromotion(two.store, '1', (p) => ({ ...p, state: 'approved' }));
    expect(await one.store.threadOf('1')).toEqual(thread);
    raw.disconnect();
    await closeAll([one, two]);
  });

  it('loses no change and keeps one chain when both replicas change a promotion and append its records at once', async () => {
    const [one, two] = await twoReplicas();
    await one.store.createPromotion(samplePromotion('1'));
    await two.store.getPromotion('1');
    const record = (i: number) => (previous: Parameters<AuditBuild>[0]) =>
      sealAuditRecord(
        'promotion-1',
        { type: 'promotion.approved', actor: `u${i}`, summary: `approved by u${i}`, promotionId: '1' },
        previous,
        'now',
      );
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const engine = i % 2 === 0 ? one : two;
        // Some only append, so the stream moves on under a promotion that did not change.
        if (i % 5 === 0) return engine.store.appendAudit('promotion-1', record(i));
        return engine.store.transitionPromotion('1', (p) => ({
          promotion: { ...p, approvals: [...p.approvals, { user: `u${i}`, at: 'now' }] },
          records: [record(i)],
        }));
      }),
    );
    expect((await one.store.getPromotion('1'))?.approvals).toHaveLength(32);
    const records = await two.store.readAudit('promotion-1');
    expect(records).toHaveLength(40);
    expect(verifyAuditChain(records)).toEqual({ intact: true });
    await closeAll([one, two]);
  });

  it('keeps one audit chain when both replicas append to a stream at once', async () => {
    const [one, two] = await twoReplicas();
    const append = (engine: Engine, i: number) =>
      engine.store.appendAudit('promotion-1', (previous) =>
        sealAuditRecord(
          'promotion-1',
          { type: 'step.started', actor: 'baton', summary: `event ${i}` },
          previous,
          '2026-11-01T10:00:00.000Z',
        ),
      );
    await append(one, 0);
    await append(two, 1);
    await Promise.all(Array.from({ length: 40 }, (_, i) => append(i % 2 === 0 ? one : two, i + 2)));
    const records = await one.store.readAudit('promotion-1');
    expect(records).toHaveLength(42);
    expect(verifyAuditChain(records)).toEqual({ intact: true });
    await closeAll([one, two]);
  });
});

describe('redis engine, persistence', () => {
  async function warningsOn(appendOnly: boolean): Promise<{ warnings: string[]; detail: string }> {
    const redis = await startRedisServer({ appendOnly });
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_details: object, message: string) => void warnings.push(message) };
    const engine = await createRedisEngine({ url: redis.url, logger });
    try {
      return { warnings, detail: (await engine.health()).detail };
    } finally {
      await engine.queue.close();
      await engine.outbox.close();
      await engine.store.close();
      await redis.stop();
    }
  }

  it('warns in the log and in the readiness detail when Redis keeps nothing across its restart', async () => {
    const off = await warningsOn(false);
    expect(off.warnings).toEqual([expect.stringContaining('Redis persistence is off (appendonly no)')]);
    expect(off.detail).toContain('warning: Redis persistence is off');
    const on = await warningsOn(true);
    expect(on.warnings).toEqual([]);
    expect(on.detail).not.toContain('warning');
  });
});
