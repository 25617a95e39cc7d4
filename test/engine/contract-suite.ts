/**
 * The conformance suite every engine passes: the memory engine now, the Redis
 * engine next. Each engine's test file calls `describeEngineContract`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain } from '../../src/core/audit-record.ts';
import type { Promotion } from '../../src/core/model.ts';
import { archivedEntry, archivedRecord } from '../support/archived.ts';
import type { AuditBuild, Engine, Job, LedgerWrite, Store } from '../../src/engine/contract.ts';

/** The nudge delay every engine under test is opened with. */
export const NUDGE_DELAY_MS = 200;

export interface EngineFixture {
  engine: Engine;
  /** Opens the same data again, as after a restart of the process. */
  reopen: () => Promise<Engine>;
  cleanup(): Promise<void>;
}

export function samplePromotion(id: string, overrides: Partial<Promotion> = {}): Promotion {
  return {
    id,
    release: { name: 'r1', versions: { api: '1.0.0' } },
    environment: 'dev',
    requestedBy: 'alice',
    requestedAt: '2026-11-01T10:00:00.000Z',
    channel: '#deploys',
    state: 'awaiting_approval',
    steps: [],
    waves: [],
    approvals: [],
    updatedAt: '2026-11-01T10:00:00.000Z',
    ...overrides,
  };
}

/** A change of a promotion with no records, through the engine's one write for promotions. */
export async function updatePromotion(
  store: Store,
  id: string,
  change: (current: Promotion) => Promotion | undefined,
): Promise<Promotion> {
  const { promotion } = await store.transitionPromotion(id, (current) => {
    const next = change(current);
    return next ? { promotion: next, records: [] } : undefined;
  });
  return promotion;
}

/** Ledger entries of one environment, written as a promotion there would write them. */
async function setLedger(
  store: Store,
  environment: string,
  ledger: LedgerWrite[],
  verified?: { versions: Record<string, string>; at: string },
): Promise<void> {
  const id = await store.nextPromotionId();
  await store.createPromotion(samplePromotion(id, { environment }));
  await store.transitionPromotion(id, () => ({ records: [], ledger, ...(verified ? { verified } : {}) }));
}

function approvedBy(user: string, promotionId = '1'): AuditBuild {
  const stream = `promotion-${promotionId}`;
  return (previous) =>
    sealAuditRecord(
      stream,
      { type: 'promotion.approved', actor: user, summary: `approved by ${user}`, promotionId },
      previous,
      'now',
    );
}

/** A promotion finished at `finishedAt` with two records, both posted to chat: due for the archive. */
async function finishedPromotion(
  store: Store,
  id: string,
  finishedAt: string,
  environment = 'dev',
): Promise<Promotion> {
  await store.createPromotion(samplePromotion(id, { environment }), [approvedBy('alice', id)]);
  const { promotion } = await store.transitionPromotion(id, (p) => ({
    promotion: { ...p, state: 'succeeded', finishedAt },
    records: [approvedBy('bob', id)],
  }));
  await store.advanceThreadCursor(`promotion-${id}`, 0, 2);
  return promotion;
}

function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(check, 5);
    };
    check();
  });
}

export function describeEngineContract(name: string, makeFixture: () => Promise<EngineFixture>): void {
  describe(`${name} engine contract`, () => {
    let fixture: EngineFixture;
    let engine: Engine;

    beforeEach(async () => {
      fixture = await makeFixture();
      engine = fixture.engine;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('store', () => {
      it('hands out distinct promotion ids, also when asked at once', async () => {
        const ids = await Promise.all(Array.from({ length: 50 }, () => engine.store.nextPromotionId()));
        expect(new Set(ids).size).toBe(50);
      });

      it('creates, reads and lists promotions newest first with filters', async () => {
        for (const [id, environment, state] of [
          ['1', 'dev', 'succeeded'],
          ['2', 'staging', 'running'],
          ['3', 'dev', 'awaiting_approval'],
        ] as const) {
          await engine.store.createPromotion(samplePromotion(id, { environment, state }));
        }
        expect((await engine.store.getPromotion('2'))?.environment).toBe('staging');
        expect(await engine.store.getPromotion('9')).toBeUndefined();
        expect((await engine.store.listPromotions()).map((p) => p.id)).toEqual(['3', '2', '1']);
        expect((await engine.store.listPromotions({ environment: 'dev' })).map((p) => p.id)).toEqual(['3', '1']);
        expect((await engine.store.listPromotions({ states: ['running', 'succeeded'] })).map((p) => p.id)).toEqual([
          '2',
          '1',
        ]);
        expect((await engine.store.listPromotions({ limit: 2 })).map((p) => p.id)).toEqual(['3', '2']);
      });

      it('pages through history: the promotions before an id, newest first, with the same filters', async () => {
        for (let i = 1; i <= 12; i += 1) {
          await engine.store.createPromotion(
            samplePromotion(String(i), {
              environment: i % 2 === 0 ? 'prod' : 'dev',
              state: i === 12 ? 'running' : 'succeeded',
            }),
          );
        }
        const page = (query: Parameters<Store['listPromotions']>[0]) =>
          engine.store.listPromotions(query).then((found) => found.map((p) => p.id));
        expect(await page({ limit: 5 })).toEqual(['12', '11', '10', '9', '8']);
        expect(await page({ before: '8', limit: 5 })).toEqual(['7', '6', '5', '4', '3']);
        expect(await page({ before: '3', limit: 5 })).toEqual(['2', '1']);
        expect(await page({ before: '1', limit: 5 })).toEqual([]);
        expect(await page({ environment: 'prod', before: '10', limit: 2 })).toEqual(['8', '6']);
        expect(await page({ environment: 'prod', states: ['succeeded'], before: '12' })).toEqual([
          '10',
          '8',
          '6',
          '4',
          '2',
        ]);
        expect(await page({ states: ['running'], before: '12' })).toEqual([]);
      });

      it('hands out promotions and records frozen: changing one fails, and the store is unchanged', async () => {
        const created = samplePromotion('1');
        await engine.store.createPromotion(created);
        // What was handed in stays the caller's to change.
        created.approvals.push({ user: 'mallory', at: 'now' });
        const read = await engine.store.getPromotion('1');
        expect(() => read?.approvals.push({ user: 'mallory', at: 'now' })).toThrow(TypeError);
        const [listed] = await engine.store.listPromotions({ limit: 1 });
        expect(() => listed?.steps.pop()).toThrow(TypeError);
        await engine.store.appendAudit('promotion-1', (previous) =>
          sealAuditRecord(
            'promotion-1',
            { type: 'promotion.requested', actor: 'alice', summary: 'asked' },
            previous,
            'now',
          ),
        );
        const [record] = await engine.store.readAudit('promotion-1');
        expect(() => Object.assign(record ?? {}, { summary: 'rewritten' })).toThrow(TypeError);
        expect((await engine.store.getPromotion('1'))?.approvals).toEqual([]);
        expect((await engine.store.readAudit('promotion-1'))[0]?.summary).toBe('asked');
      });

      it('applies concurrent updates of one promotion one after another, losing none', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            updatePromotion(engine.store, '1', (p) => ({
              ...p,
              approvals: [...p.approvals, { user: `u${i}`, at: 'now' }],
            })),
          ),
        );
        expect((await engine.store.getPromotion('1'))?.approvals).toHaveLength(40);
      });

      it('decides once among concurrent conditional updates, and a change that throws costs only its own call', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        const winners: string[] = [];
        const calls = Array.from({ length: 20 }, (_, i) =>
          updatePromotion(engine.store, '1', (p) => {
            if (i === 7) throw new Error('refused');
            if (p.state !== 'awaiting_approval') return undefined;
            return { ...p, state: i % 2 === 0 ? 'approved' : 'rejected', reason: `u${i}` };
          }),
        );
        const settled = await Promise.allSettled(calls);
        for (const [i, result] of settled.entries()) {
          if (result.status === 'fulfilled' && result.value.reason === `u${i}`) winners.push(`u${i}`);
        }
        expect(settled.filter((r) => r.status === 'rejected')).toHaveLength(1);
        expect(winners).toHaveLength(1);
        expect((await engine.store.getPromotion('1'))?.reason).toBe(winners[0]);
      });

      it('gives each concurrent update its own result, not changed by later ones', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            updatePromotion(engine.store, '1', (p) => ({
              ...p,
              approvals: [...p.approvals, { user: `u${i}`, at: 'now' }],
            })),
          ),
        );
        expect(results.map((p) => p.approvals.length).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 10 }, (_, i) => i + 1),
        );
      });

      it('hands out frozen promotions from updates, so a change that mutates fails instead of leaking', async () => {
        await engine.store.createPromotion(samplePromotion('1', { approvals: [{ user: 'a', at: 'then' }] }));
        const updated = await updatePromotion(engine.store, '1', (p) => ({ ...p, reason: 'r' }));
        expect(
          Object.isFrozen(updated) && Object.isFrozen(updated.approvals) && Object.isFrozen(updated.approvals[0]),
        ).toBe(true);
        await expect(
          updatePromotion(engine.store, '1', (p) => {
            p.approvals.push({ user: 'mallory', at: 'now' });
            return p;
          }),
        ).rejects.toThrow(TypeError);
        expect((await engine.store.getPromotion('1'))?.approvals).toEqual([{ user: 'a', at: 'then' }]);
      });

      it('leaves a promotion alone when the change returns undefined', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        const result = await updatePromotion(engine.store, '1', () => undefined);
        expect(result.state).toBe('awaiting_approval');
        await expect(updatePromotion(engine.store, '404', (p) => p)).rejects.toThrow(/404/);
      });

      it('changes a promotion and appends its records in one write, chained after the records before', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        await engine.store.appendAudit('promotion-1', (previous) =>
          sealAuditRecord(
            'promotion-1',
            { type: 'promotion.requested', actor: 'alice', summary: 'asked' },
            previous,
            'now',
          ),
        );
        const { promotion, records } = await engine.store.transitionPromotion('1', (p) => ({
          promotion: { ...p, state: 'approved' },
          records: [approvedBy('bob'), approvedBy('carol')],
        }));
        expect(promotion.state).toBe('approved');
        expect(records.map((r) => [r.seq, r.summary])).toEqual([
          [2, 'approved by bob'],
          [3, 'approved by carol'],
        ]);
        expect((await engine.store.getPromotion('1'))?.state).toBe('approved');
        const stored = await engine.store.readAudit('promotion-1');
        expect(stored).toEqual([expect.objectContaining({ summary: 'asked' }), ...records]);
        expect(verifyAuditChain(stored)).toEqual({ intact: true });
        // Records alone, with the promotion as it is.
        const recordOnly = await engine.store.transitionPromotion('1', () => ({ records: [approvedBy('dave')] }));
        expect(recordOnly.promotion.state).toBe('approved');
        expect((await engine.store.readAudit('promotion-1')).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
        // What a transition hands back stays as it was when later records follow.
        await engine.store.createPromotion(samplePromotion('2'));
        const first = await engine.store.transitionPromotion('2', () => ({ records: [approvedBy('bob', '2')] }));
        await engine.store.appendAudit('promotion-2', approvedBy('carol', '2'));
        expect(first.records).toHaveLength(1);
      });

      it('writes neither the change nor its records when the change or one of its records throws, or the change decides nothing', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        const refusing: AuditBuild = () => {
          throw new Error('cannot build this record');
        };
        await expect(
          engine.store.transitionPromotion('1', (p) => ({
            promotion: { ...p, state: 'approved' },
            records: [approvedBy('bob'), refusing],
          })),
        ).rejects.toThrow('cannot build this record');
        await expect(
          engine.store.transitionPromotion('1', () => {
            throw new Error('refused');
          }),
        ).rejects.toThrow('refused');
        expect(await engine.store.transitionPromotion('1', () => undefined)).toEqual({
          promotion: expect.objectContaining({ state: 'awaiting_approval' }),
          records: [],
        });
        expect((await engine.store.getPromotion('1'))?.state).toBe('awaiting_approval');
        expect(await engine.store.readAudit('promotion-1')).toEqual([]);
        await expect(engine.store.transitionPromotion('404', () => ({ records: [approvedBy('bob')] }))).rejects.toThrow(
          /404/,
        );
      });

      it('creates a promotion with the first records of its stream in one write, and refuses an id that exists', async () => {
        const records = await engine.store.createPromotion(samplePromotion('1'), [
          (previous) =>
            sealAuditRecord(
              'promotion-1',
              { type: 'promotion.requested', actor: 'alice', summary: 'asked', promotionId: '1' },
              previous,
              'now',
            ),
        ]);
        expect(records.map((r) => [r.seq, r.summary])).toEqual([[1, 'asked']]);
        expect(await engine.store.readAudit('promotion-1')).toEqual(records);
        expect(await engine.store.unpostedStreams(10)).toContain('promotion-1');
        // The next record chains on the one written at creation.
        await engine.store.transitionPromotion('1', () => ({ records: [approvedBy('bob')] }));
        expect(verifyAuditChain(await engine.store.readAudit('promotion-1'))).toEqual({ intact: true });
        await expect(engine.store.createPromotion(samplePromotion('1'), [approvedBy('carol')])).rejects.toThrow(
          /already exists/,
        );
        expect(await engine.store.readAudit('promotion-1')).toHaveLength(2);
      });

      it("writes a transition's ledger entries and verified marks with it, and none of them when it throws", async () => {
        await engine.store.createPromotion(samplePromotion('1', { environment: 'staging', state: 'running' }));
        const entry = { version: '2.0.0', since: 'then', promotionId: '1', outputs: {} };
        await expect(
          engine.store.transitionPromotion('1', (p) => ({
            promotion: { ...p, state: 'succeeded' },
            records: [
              approvedBy('bob'),
              () => {
                throw new Error('cannot build this record');
              },
            ],
            ledger: [{ component: 'api', entry }],
            verified: { versions: { api: '2.0.0' }, at: 'then' },
          })),
        ).rejects.toThrow('cannot build this record');
        expect(await engine.store.getLedger('staging')).toEqual({});
        expect(await engine.store.verifiedAt('staging', 'api', '2.0.0')).toBeUndefined();
        await engine.store.transitionPromotion('1', (p) => ({
          promotion: { ...p, state: 'succeeded' },
          records: [approvedBy('bob')],
          ledger: [{ component: 'api', entry }],
          verified: { versions: { api: '2.0.0' }, at: 'then' },
        }));
        // Written into the promotion's own environment, never another.
        expect((await engine.store.getLedger('staging')).api).toEqual(entry);
        expect(await engine.store.getLedger('dev')).toEqual({});
        expect(await engine.store.verifiedAt('staging', 'api', '2.0.0')).toBe('then');
        expect((await engine.store.getPromotion('1'))?.state).toBe('succeeded');
        expect(await engine.store.readAudit('promotion-1')).toHaveLength(1);
      });

      it("notes a promotion's thread once, beside the promotion: the first note stands", async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        await engine.store.createPromotion(samplePromotion('2'));
        const before = await engine.store.getPromotion('1');
        expect(await engine.store.threadOf('1')).toBeUndefined();
        const noted = await engine.store.noteThread('1', { channel: '#deploys', messageId: 'm1' });
        expect(noted).toEqual({ channel: '#deploys', messageId: 'm1' });
        expect(await engine.store.noteThread('1', { channel: '#deploys', messageId: 'm2' })).toEqual(noted);
        expect(await engine.store.threadOf('1')).toEqual(noted);
        // Outbox state: the promotion does not change when its thread is posted.
        expect(await engine.store.getPromotion('1')).toEqual(before);
        await engine.store.noteThread('2', { channel: '#prod', messageId: 'p1' });
        expect(await engine.store.threadsOf(['1', '2', '3', 'x'])).toEqual(
          new Map([
            ['1', { channel: '#deploys', messageId: 'm1' }],
            ['2', { channel: '#prod', messageId: 'p1' }],
          ]),
        );
        expect(await engine.store.threadsOf([])).toEqual(new Map());
        await expect(engine.store.noteThread('9', { channel: '#deploys', messageId: 'm9' })).rejects.toThrow(
          /does not exist/,
        );
        expect(await engine.store.threadOf('9')).toBeUndefined();
      });

      it('agrees on one thread when two posters note theirs at once', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        const refs = ['m1', 'm2', 'm3', 'm4'].map((messageId) => ({ channel: '#deploys', messageId }));
        const noted = await Promise.all(refs.map((ref) => engine.store.noteThread('1', ref)));
        const [first] = noted;
        expect(refs).toContainEqual(first);
        expect(noted).toEqual(refs.map(() => first));
        expect(await engine.store.threadOf('1')).toEqual(first);
      });

      it('loses no change and keeps one chain among concurrent transitions, updates and appends of one promotion', async () => {
        await engine.store.createPromotion(samplePromotion('1'));
        await Promise.all(
          Array.from({ length: 30 }, (_, i) => {
            const user = `u${i}`;
            if (i % 3 === 0)
              return updatePromotion(engine.store, '1', (p) => ({
                ...p,
                approvals: [...p.approvals, { user, at: 'now' }],
              }));
            if (i % 3 === 1) return engine.store.appendAudit('promotion-1', approvedBy(user));
            return engine.store.transitionPromotion('1', (p) => ({
              promotion: { ...p, approvals: [...p.approvals, { user, at: 'now' }] },
              records: [approvedBy(user)],
            }));
          }),
        );
        expect((await engine.store.getPromotion('1'))?.approvals).toHaveLength(20);
        const records = await engine.store.readAudit('promotion-1');
        expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(verifyAuditChain(records)).toEqual({ intact: true });
      });

      it('keeps the ledger per environment and component, and clears entries', async () => {
        const entry = { version: '1.0.0', since: '2026-11-01T10:00:00.000Z', promotionId: '1', outputs: { url: 'x' } };
        await setLedger(engine.store, 'dev', [
          { component: 'api', entry },
          { component: 'worker', entry: { ...entry, version: '2.0.0' } },
        ]);
        // What was handed in stays the caller's to change; what is handed out is frozen.
        entry.outputs.url = 'changed by the caller';
        const ledger = await engine.store.getLedger('dev');
        expect(ledger.api).toEqual({ ...entry, outputs: { url: 'x' } });
        expect(() => Object.assign(ledger.api?.outputs ?? {}, { url: 'y' })).toThrow(TypeError);
        expect((await engine.store.getLedger('dev')).api?.outputs.url).toBe('x');
        expect(await engine.store.getLedger('staging')).toEqual({});
        await setLedger(engine.store, 'dev', [{ component: 'api', entry: null }]);
        expect(Object.keys(await engine.store.getLedger('dev'))).toEqual(['worker']);
      });

      it('remembers when a version first succeeded in an environment', async () => {
        await setLedger(engine.store, 'dev', [], { versions: { api: '1.0.0' }, at: '2026-11-01T10:00:00.000Z' });
        await setLedger(engine.store, 'dev', [], { versions: { api: '1.0.0' }, at: '2026-11-02T10:00:00.000Z' });
        expect(await engine.store.verifiedAt('dev', 'api', '1.0.0')).toBe('2026-11-01T10:00:00.000Z');
        expect(await engine.store.verifiedAt('staging', 'api', '1.0.0')).toBeUndefined();
      });

      it('gives an environment lock to exactly one of many promotions asking at once', async () => {
        const holders = await Promise.all(
          Array.from({ length: 20 }, (_, i) => engine.store.lockEnvironment('prod', String(i + 1))),
        );
        const winner = holders[0];
        expect(new Set(holders).size).toBe(1);
        await engine.store.unlockEnvironment('prod', 'someone-else');
        expect(await engine.store.lockHolder('prod')).toBe(winner);
        await engine.store.unlockEnvironment('prod', winner ?? '');
        expect(await engine.store.lockHolder('prod')).toBeUndefined();
        expect(await engine.store.lockEnvironment('prod', '99')).toBe('99');
      });

      it('freezes and unfreezes environments', async () => {
        const freeze = { environment: 'prod', reason: 'holidays', by: 'alice', at: '2026-12-20T00:00:00.000Z' };
        await engine.store.setFreeze(freeze);
        expect(await engine.store.listFreezes()).toEqual([freeze]);
        expect(await engine.store.clearFreeze('prod')).toEqual(freeze);
        expect(await engine.store.clearFreeze('prod')).toBeUndefined();
        expect(await engine.store.listFreezes()).toEqual([]);
      });

      it('stores named releases', async () => {
        await engine.store.saveRelease({ name: '2026.11.3', versions: { api: '1.4.2' } });
        expect(await engine.store.getRelease('2026.11.3')).toEqual({ name: '2026.11.3', versions: { api: '1.4.2' } });
        expect(await engine.store.getRelease('nope')).toBeUndefined();
      });

      it('chains audit records, also when appended at once', async () => {
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            engine.store.appendAudit('promotion-1', (previous) =>
              sealAuditRecord(
                'promotion-1',
                { type: 'step.started', actor: 'baton', summary: `event ${i}` },
                previous,
                '2026-11-01T10:00:00.000Z',
              ),
            ),
          ),
        );
        const records = await engine.store.readAudit('promotion-1');
        expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(verifyAuditChain(records)).toEqual({ intact: true });
        expect((await engine.store.readAudit('promotion-1', 27)).map((r) => r.seq)).toEqual([28, 29, 30]);
        expect(await engine.store.readAudit('promotion-2')).toEqual([]);
      });

      it('lists streams with records past their thread cursor, those behind longest first, until the cursor reaches the last', async () => {
        const append = (stream: string) =>
          engine.store.appendAudit(stream, (previous) =>
            sealAuditRecord(
              stream,
              { type: 'environment.frozen', actor: 'alice', summary: 'frozen' },
              previous,
              new Date().toISOString(),
            ),
          );
        expect(await engine.store.unpostedStreams(10)).toEqual([]);
        await append('environment-dev');
        await new Promise((resolve) => setTimeout(resolve, 5));
        await engine.store.createPromotion(samplePromotion('1'));
        await engine.store.transitionPromotion('1', () => ({ records: [approvedBy('bob'), approvedBy('carol')] }));
        await new Promise((resolve) => setTimeout(resolve, 5));
        await append('environment-prod');
        expect(await engine.store.unpostedStreams(10)).toEqual(['environment-dev', 'promotion-1', 'environment-prod']);
        expect(await engine.store.unpostedStreams(2)).toEqual(['environment-dev', 'promotion-1']);
        // Part of a stream posted: still behind.
        await engine.store.advanceThreadCursor('promotion-1', 0, 1);
        await engine.store.advanceThreadCursor('environment-dev', 0, 1);
        expect(await engine.store.unpostedStreams(10)).toEqual(['promotion-1', 'environment-prod']);
        await engine.store.advanceThreadCursor('promotion-1', 1, 2);
        expect(await engine.store.unpostedStreams(10)).toEqual(['environment-prod']);
        // A new record puts a posted stream back.
        await append('environment-dev');
        expect(await engine.store.unpostedStreams(10)).toEqual(['environment-prod', 'environment-dev']);
      });

      it('moves a thread cursor only from the value the caller saw', async () => {
        expect(await engine.store.threadCursor('promotion-1')).toBe(0);
        const moves = await Promise.all(
          Array.from({ length: 10 }, () => engine.store.advanceThreadCursor('promotion-1', 0, 1)),
        );
        expect(moves.filter(Boolean)).toHaveLength(1);
        expect(await engine.store.advanceThreadCursor('promotion-1', 0, 2)).toBe(false);
        expect(await engine.store.advanceThreadCursor('promotion-1', 1, 2)).toBe(true);
        expect(await engine.store.threadCursor('promotion-1')).toBe(2);
      });

      it('gives a lease to one holder at a time, renews it for that holder, and hands it on when it lapses or is let go', async () => {
        const takes = await Promise.all(
          ['bot-a', 'bot-b', 'bot-c'].map((holder) => engine.store.holdLease('gateway', holder, 200)),
        );
        expect(takes.filter(Boolean)).toHaveLength(1);
        const holder = ['bot-a', 'bot-b', 'bot-c'][takes.indexOf(true)] ?? '';
        const other = holder === 'bot-a' ? 'bot-b' : 'bot-a';
        expect(await engine.store.holdLease('gateway', holder, 200)).toBe(true);
        expect(await engine.store.holdLease('gateway', other, 200)).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 250));
        expect(await engine.store.holdLease('gateway', other, 200)).toBe(true);
        await engine.store.releaseLease('gateway', holder);
        expect(await engine.store.holdLease('gateway', holder, 200)).toBe(false);
        await engine.store.releaseLease('gateway', other);
        expect(await engine.store.holdLease('gateway', holder, 200)).toBe(true);
      });

      it('lets one of many claims of a key through, and the key again once the claim lapses', async () => {
        const claims = await Promise.all(Array.from({ length: 10 }, () => engine.store.claimOnce('delivery-1', 200)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await engine.store.claimOnce('delivery-2', 200)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 250));
        expect(await engine.store.claimOnce('delivery-1', 200)).toBe(true);
      });

      it('lists the promotions that finished before a time, newest first, for the archive', async () => {
        await finishedPromotion(engine.store, '1', '2026-01-01T00:00:00.000Z');
        await finishedPromotion(engine.store, '2', '2026-06-01T00:00:00.000Z', 'prod');
        await engine.store.createPromotion(samplePromotion('3', { state: 'running' }));
        await finishedPromotion(engine.store, '4', '2026-02-01T00:00:00.000Z');
        const due = (query: Parameters<Store['listPromotions']>[0]) =>
          engine.store.listPromotions(query).then((found) => found.map((p) => p.id));
        expect(await due({ finishedBefore: '2026-03-01T00:00:00.000Z' })).toEqual(['4', '1']);
        expect(await due({ finishedBefore: '2027-01-01T00:00:00.000Z', limit: 2 })).toEqual(['4', '2']);
        expect(await due({ finishedBefore: '2027-01-01T00:00:00.000Z', before: '4', environment: 'dev' })).toEqual([
          '1',
        ]);
        expect(await due({ finishedBefore: '2025-01-01T00:00:00.000Z' })).toEqual([]);
      });

      it("archives a finished promotion in one write: it, its stream and its cursor go, what is left of it stays, and Baton's stream records it", async () => {
        const promotion = await finishedPromotion(engine.store, '1', '2026-01-01T00:00:00.000Z');
        await finishedPromotion(engine.store, '2', '2026-01-02T00:00:00.000Z');
        await engine.store.noteThread('1', { channel: '#deploys', messageId: 'm1' });
        await engine.store.noteThread('2', { channel: '#deploys', messageId: 'm2' });
        const archived = archivedEntry(promotion);
        const record = await engine.store.archivePromotion(archived, archivedRecord('1'));
        expect(record).toMatchObject({ stream: 'baton', seq: 1, type: 'promotion.archived', promotionId: '1' });
        expect(await engine.store.getPromotion('1')).toBeUndefined();
        expect(await engine.store.readAudit('promotion-1')).toEqual([]);
        expect(await engine.store.threadCursor('promotion-1')).toBe(0);
        expect(await engine.store.threadOf('1')).toBeUndefined();
        expect(await engine.store.threadsOf(['1', '2'])).toEqual(
          new Map([['2', { channel: '#deploys', messageId: 'm2' }]]),
        );
        expect((await engine.store.listPromotions()).map((p) => p.id)).toEqual(['2']);
        expect(
          (await engine.store.listPromotions({ environment: 'dev', finishedBefore: '2027-01-01T00:00:00.000Z' })).map(
            (p) => p.id,
          ),
        ).toEqual(['2']);
        expect(await engine.store.archivedPromotion('1')).toEqual(archived);
        expect(await engine.store.archivedPromotion('2')).toBeUndefined();
        expect(await engine.store.unpostedStreams(10)).toEqual(['baton']);
        // Archived once: a second archiver finds nothing to do and writes nothing.
        expect(await engine.store.archivePromotion(archived, archivedRecord('1'))).toBeUndefined();
        const baton = await engine.store.readAudit('baton');
        expect(baton.map((r) => r.promotionId)).toEqual(['1']);
        expect(verifyAuditChain(baton)).toEqual({ intact: true });
        // A change that comes for it after it went finds no promotion.
        await expect(updatePromotion(engine.store, '1', (p) => ({ ...p, reason: 'late' }))).rejects.toThrow(
          /does not exist/,
        );
      });

      it('archives nothing while the promotion is unfinished, its log moved past the bundle, or chat was not told all of it', async () => {
        await engine.store.createPromotion(samplePromotion('1', { state: 'running' }), [approvedBy('alice', '1')]);
        await engine.store.advanceThreadCursor('promotion-1', 0, 1);
        await engine.store.noteThread('1', { channel: '#deploys', messageId: 'm1' });
        const running = await engine.store.getPromotion('1');
        expect(
          running && (await engine.store.archivePromotion(archivedEntry(running), archivedRecord('1'))),
        ).toBeUndefined();

        const finished = await finishedPromotion(engine.store, '2', '2026-01-01T00:00:00.000Z');
        await engine.store.transitionPromotion('2', () => ({ records: [approvedBy('carol', '2')] }));
        expect(await engine.store.archivePromotion(archivedEntry(finished), archivedRecord('2'))).toBeUndefined();

        // Still holding its environment (a rollback about to start took it): it stays.
        await engine.store.lockEnvironment('dev', '3');
        const holding = await finishedPromotion(engine.store, '3', '2026-01-01T00:00:00.000Z');
        expect(await engine.store.archivePromotion(archivedEntry(holding), archivedRecord('3'))).toBeUndefined();
        expect((await engine.store.getPromotion('3'))?.state).toBe('succeeded');

        const moved = await engine.store.getPromotion('2');
        expect(
          moved && (await engine.store.archivePromotion(archivedEntry(moved), archivedRecord('2'))),
        ).toBeUndefined();
        await engine.store.advanceThreadCursor('promotion-2', 2, 3);
        expect(moved && (await engine.store.archivePromotion(archivedEntry(moved), archivedRecord('2')))).toMatchObject(
          { promotionId: '2' },
        );

        expect((await engine.store.getPromotion('1'))?.state).toBe('running');
        expect(await engine.store.readAudit('promotion-1')).toHaveLength(1);
        expect(await engine.store.archivedPromotion('1')).toBeUndefined();
        expect(await engine.store.threadOf('1')).toEqual({ channel: '#deploys', messageId: 'm1' });
        expect((await engine.store.readAudit('baton')).map((r) => r.promotionId)).toEqual(['2']);
      });

      it("keeps one chain in Baton's stream while many promotions are archived at once, each by two archivers", async () => {
        const promotions = await Promise.all(
          ['1', '2', '3', '4', '5', '6'].map((id) => finishedPromotion(engine.store, id, '2026-01-01T00:00:00.000Z')),
        );
        const outcomes = await Promise.all(
          promotions.flatMap((p) => [
            engine.store.archivePromotion(archivedEntry(p), archivedRecord(p.id)),
            engine.store.archivePromotion(archivedEntry(p), archivedRecord(p.id)),
          ]),
        );
        expect(outcomes.filter((record) => record !== undefined)).toHaveLength(6);
        const baton = await engine.store.readAudit('baton');
        expect(baton.map((r) => r.promotionId).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
        expect(verifyAuditChain(baton)).toEqual({ intact: true });
        expect(await engine.store.listPromotions()).toEqual([]);
      });
    });

    describe('queue', () => {
      it('runs each job once even when added twice', async () => {
        const seen: string[] = [];
        engine.queue.work(
          async (job) => {
            seen.push(job.id);
          },
          { concurrency: 2 },
        );
        const job: Job = { id: 'step.1.api', data: { kind: 'step', promotionId: '1', stepId: '1.api' } };
        await engine.queue.add(job);
        await engine.queue.add(job);
        await until(() => seen.length >= 1);
        await engine.queue.drained();
        await engine.queue.add(job);
        await engine.queue.drained();
        expect(seen).toEqual(['step.1.api']);
      });

      it('counts the jobs waiting to start, and tells each handler when its job became ready', async () => {
        const before = Date.now();
        for (let i = 0; i < 3; i += 1)
          await engine.queue.add({ id: `plan.depth.${i}`, data: { kind: 'plan', promotionId: String(i) } });
        expect(await engine.queue.depth()).toBe(3);
        const readyAt: (number | undefined)[] = [];
        engine.queue.work(
          async (job) => {
            readyAt.push(job.readyAt);
          },
          { concurrency: 1 },
        );
        await until(() => readyAt.length === 3);
        await engine.queue.drained();
        expect(await engine.queue.depth()).toBe(0);
        for (const at of readyAt) {
          expect(at).toBeGreaterThanOrEqual(before - 1_000);
          expect(at).toBeLessThanOrEqual(Date.now());
        }
      });

      it('runs up to `concurrency` jobs at the same time', async () => {
        let running = 0;
        let most = 0;
        engine.queue.work(
          async () => {
            running += 1;
            most = Math.max(most, running);
            await new Promise((r) => setTimeout(r, 30));
            running -= 1;
          },
          { concurrency: 3 },
        );
        for (let i = 0; i < 9; i += 1)
          await engine.queue.add({ id: `plan.${i}`, data: { kind: 'plan', promotionId: String(i) } });
        await until(() => most >= 3);
        await engine.queue.drained();
        expect(most).toBe(3);
      });

      it('runs a burst of nudges once while the nudged job waits', async () => {
        const seen: string[] = [];
        const job: Job = { id: 'thread.promotion-1', data: { kind: 'thread', stream: 'promotion-1' } };
        await Promise.all(Array.from({ length: 5 }, () => engine.outbox.nudge(job)));
        await engine.outbox.nudge(job);
        engine.outbox.work(
          async (taken) => {
            seen.push(taken.id);
          },
          { concurrency: 4 },
        );
        await until(() => seen.length >= 1);
        await engine.outbox.drained();
        expect(seen).toEqual(['thread.promotion-1']);
      });

      it('runs a job nudged while it runs once more, after it, never alongside', async () => {
        const job: Job = { id: 'thread.promotion-1', data: { kind: 'thread', stream: 'promotion-1' } };
        let runs = 0;
        let running = 0;
        let overlapped = false;
        let release = () => {};
        const released = new Promise<void>((resolve) => (release = resolve));
        const startedAt: number[] = [];
        engine.outbox.work(
          async () => {
            startedAt.push(Date.now());
            runs += 1;
            running += 1;
            overlapped ||= running > 1;
            if (runs === 1) await released;
            running -= 1;
          },
          { concurrency: 4 },
        );
        await engine.outbox.nudge(job);
        await until(() => runs === 1);
        await engine.outbox.nudge(job);
        await engine.outbox.nudge(job);
        await new Promise((r) => setTimeout(r, 100));
        expect(runs).toBe(1);
        const releasedAt = Date.now();
        release();
        await until(() => runs >= 2);
        await engine.outbox.drained();
        const idleAt = Date.now();
        await engine.outbox.nudge(job);
        await until(() => runs >= 3);
        await engine.outbox.drained();
        expect({ runs, overlapped }).toEqual({ runs: 3, overlapped: false });
        // The run after a busy one waits the nudge delay, gathering what follows; a nudge to an idle id runs at once.
        expect((startedAt[1] ?? 0) - releasedAt).toBeGreaterThanOrEqual(NUDGE_DELAY_MS - 20);
        expect((startedAt[2] ?? 0) - idleAt).toBeLessThan(NUDGE_DELAY_MS);
      });

      it('runs a nudge given a delay no sooner than that, once however many ask meanwhile, and a run that asks again waits its own delay', async () => {
        const job: Job = { id: 'root.1', data: { kind: 'root', promotionId: '1' } };
        const startedAt: number[] = [];
        engine.outbox.work(
          async () => {
            startedAt.push(Date.now());
            // The first run finds its budget spent and asks for a later run.
            if (startedAt.length === 1) await engine.outbox.nudge(job, { delayMs: 400 });
          },
          { concurrency: 4 },
        );
        const nudgedAt = Date.now();
        await engine.outbox.nudge(job, { delayMs: 300 });
        await engine.outbox.nudge(job);
        await engine.outbox.nudge(job, { delayMs: 50 });
        await until(() => startedAt.length >= 2);
        await engine.outbox.drained();
        expect(startedAt).toHaveLength(2);
        expect((startedAt[0] ?? 0) - nudgedAt).toBeGreaterThanOrEqual(280);
        expect((startedAt[1] ?? 0) - (startedAt[0] ?? 0)).toBeGreaterThanOrEqual(380);
      });

      it('tries a job again when its handler throws', async () => {
        let calls = 0;
        engine.queue.work(
          async () => {
            calls += 1;
            if (calls === 1) throw new Error('connection reset');
          },
          { concurrency: 1 },
        );
        await engine.queue.add({ id: 'plan.7', data: { kind: 'plan', promotionId: '7' } });
        await until(() => calls >= 2);
        await engine.queue.drained();
        expect(calls).toBe(2);
      });
    });

    it('keeps every record across a restart', async () => {
      await engine.store.createPromotion(samplePromotion(await engine.store.nextPromotionId()));
      await engine.store.transitionPromotion('1', (p) => ({
        promotion: { ...p, state: 'approved' },
        records: [],
        ledger: [{ component: 'api', entry: { version: '1.0.0', since: 'then', promotionId: '1', outputs: {} } }],
        verified: { versions: { api: '1.0.0' }, at: 'then' },
      }));
      await engine.store.lockEnvironment('dev', '1');
      await engine.store.setFreeze({ environment: 'prod', reason: 'r', by: 'a', at: 't' });
      await engine.store.appendAudit('promotion-1', (previous) =>
        sealAuditRecord('promotion-1', { type: 'promotion.requested', actor: 'alice', summary: 's' }, previous, 't'),
      );
      await engine.store.advanceThreadCursor('promotion-1', 0, 1);
      await engine.store.noteThread('1', { channel: '#deploys', messageId: 'm1' });
      for (const summary of ['frozen', 'unfrozen']) {
        await engine.store.appendAudit('environment-dev', (previous) =>
          sealAuditRecord('environment-dev', { type: 'environment.frozen', actor: 'alice', summary }, previous, 't'),
        );
      }
      await engine.store.advanceThreadCursor('environment-dev', 0, 1);
      const archived = archivedEntry(
        await finishedPromotion(engine.store, await engine.store.nextPromotionId(), '2026-01-01T00:00:00.000Z'),
      );
      await engine.store.noteThread(archived.id, { channel: '#deploys', messageId: 'm2' });
      await engine.store.archivePromotion(archived, archivedRecord(archived.id));
      await engine.store.advanceThreadCursor('baton', 0, 1);
      const reopened = await fixture.reopen();
      expect(await reopened.store.getPromotion(archived.id)).toBeUndefined();
      expect(await reopened.store.readAudit(`promotion-${archived.id}`)).toEqual([]);
      expect(await reopened.store.archivedPromotion(archived.id)).toEqual(archived);
      expect(await reopened.store.threadOf(archived.id)).toBeUndefined();
      expect(await reopened.store.unpostedStreams(10)).toEqual(['environment-dev']);
      expect((await reopened.store.getPromotion('1'))?.state).toBe('approved');
      expect(await reopened.store.nextPromotionId()).toBe('3');
      expect((await reopened.store.getLedger('dev')).api?.version).toBe('1.0.0');
      expect(await reopened.store.verifiedAt('dev', 'api', '1.0.0')).toBe('then');
      expect(await reopened.store.lockHolder('dev')).toBe('1');
      expect(await reopened.store.listFreezes()).toHaveLength(1);
      expect(await reopened.store.threadCursor('promotion-1')).toBe(1);
      expect(await reopened.store.threadOf('1')).toEqual({ channel: '#deploys', messageId: 'm1' });
      expect(verifyAuditChain(await reopened.store.readAudit('promotion-1'))).toEqual({ intact: true });
      await reopened.store.close();
    });
  });
}
