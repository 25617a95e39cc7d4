/** baton migrate-store: a data folder's and a Redis's records copied into PostgreSQL, every chain verified, safe to run again. */
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain } from '../../src/core/audit-record.ts';
import { samplePromotion } from '../engine/contract-suite.ts';
import { migrateStoreFromCommandLine } from '../../src/cli-migrate-store.ts';
import type { AuditBuild, Store } from '../../src/engine/contract.ts';
import { MemoryStore } from '../../src/engine/memory/memory-store.ts';
import { openPostgresRecords } from '../../src/engine/postgres/index.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres-database.ts';
import { loadEmbedded, loadRedis } from '../support/raw-history.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { archivedEntry, archivedRecord } from '../support/archived.ts';

const PROMOTIONS = 10_000;
const ENVIRONMENTS = 50;

let database: ThrowawayDatabase | undefined;
let redis: RedisServer | undefined;
let dataDir = '';
afterEach(async () => {
  await database?.drop();
  await redis?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  database = undefined;
  redis = undefined;
  dataDir = '';
});

async function inPostgres<T>(
  url: string,
  read: (records: Awaited<ReturnType<typeof openPostgresRecords>>) => Promise<T>,
): Promise<T> {
  const records = await openPostgresRecords({ url, logger: silentLogger, use: 'shared' });
  try {
    return await read(records);
  } finally {
    await records.store.close();
  }
}

describe('baton migrate-store', () => {
  it(
    'copies a data folder of 10,000 promotions and its state into PostgreSQL, chains verified, and again copies nothing twice',
    { timeout: 180_000 },
    async () => {
      database = await createThrowawayDatabase();
      dataDir = await mkdtemp(join(tmpdir(), 'baton-migrate-'));
      await loadEmbedded(join(dataDir, 'journal.jsonl'), PROMOTIONS, ENVIRONMENTS);
      const source = new MemoryStore(dataDir);
      await source.setFreeze({
        environment: 'env-1',
        reason: 'audit week',
        by: 'alice',
        at: '2026-11-30T10:00:00.000Z',
      });
      await source.appendAudit('environment-env-1', (previous) =>
        sealAuditRecord(
          'environment-env-1',
          { type: 'environment.frozen', actor: 'alice', summary: 'env-1 is frozen: audit week' },
          previous,
          'now',
        ),
      );
      await source.saveRelease({ name: '2026.11.3', versions: { api: '1.4.2' } });
      await source.lockEnvironment('env-2', String(PROMOTIONS));
      await source.transitionPromotion(String(PROMOTIONS), () => ({
        records: [],
        ledger: [
          {
            component: 'api',
            entry: { version: '9.9.9', since: 'then', promotionId: String(PROMOTIONS), outputs: {} },
          },
        ],
        verified: { versions: { api: '9.9.9' }, at: 'then' },
      }));
      const expected = await source.getPromotion('5000');
      await source.close();

      const env = { DATABASE_URL: database.url };
      const first = await migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir }, env, silentLogger);
      expect(first).toContain(
        `${PROMOTIONS} promotions (${PROMOTIONS} written now, the rest already there), ${PROMOTIONS * 4 + 1} audit records in ${PROMOTIONS + 1} streams (${PROMOTIONS * 4 + 1} written now)`,
      );
      expect(first).toContain(`Every chain verified as read back from PostgreSQL: ${PROMOTIONS + 1}.`);

      const environment = `env-${(PROMOTIONS - 1) % ENVIRONMENTS}`;
      await inPostgres(database.url, async ({ store }) => {
        expect(await store.getPromotion('5000')).toEqual(expected);
        const records = await store.readAudit('promotion-5000');
        expect(verifyAuditChain(records, expected?.audit ? { anchor: expected.audit } : {})).toEqual({ intact: true });
        expect((await store.listPromotions({ environment: 'env-3', limit: 3 })).map((p) => p.id)).toEqual([
          '9954',
          '9904',
          '9854',
        ]);
        expect((await store.getLedger(environment)).api?.version).toBe('9.9.9');
        expect(await store.verifiedAt(environment, 'api', '9.9.9')).toBe('then');
        expect(await store.lockHolder('env-2')).toBe(String(PROMOTIONS));
        expect(await store.listFreezes()).toEqual([
          expect.objectContaining({ environment: 'env-1', reason: 'audit week' }),
        ]);
        expect(await store.getRelease('2026.11.3')).toEqual({ name: '2026.11.3', versions: { api: '1.4.2' } });
        // The freeze's record was never posted, so the outbox still owes it; the promotions' threads were posted.
        expect(await store.unpostedStreams(10)).toEqual(['environment-env-1']);
        expect(await store.nextPromotionId()).toBe(String(PROMOTIONS + 1));
      });

      const again = await migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir }, env, silentLogger);
      expect(again).toContain(
        `${PROMOTIONS} promotions (0 written now, the rest already there), ${PROMOTIONS * 4 + 1} audit records in ${PROMOTIONS + 1} streams (0 written now)`,
      );
      expect(await database.query('SELECT count(*)::int AS records FROM baton.audit_records')).toEqual([
        { records: PROMOTIONS * 4 + 1 },
      ]);
    },
  );

  it('copies a Redis of 10,000 promotions into PostgreSQL, chains verified', { timeout: 180_000 }, async () => {
    database = await createThrowawayDatabase();
    redis = await startRedisServer();
    const raw = new Redis(redis.url);
    await loadRedis(raw, PROMOTIONS, ENVIRONMENTS);
    raw.disconnect();
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url };
    const copied = await migrateStoreFromCommandLine({ from: 'redis', to: 'postgres', dataDir: '' }, env, silentLogger);
    expect(copied).toContain(
      `${PROMOTIONS} promotions (${PROMOTIONS} written now, the rest already there), ${PROMOTIONS * 4} audit records in ${PROMOTIONS} streams`,
    );
    expect(copied).toContain(`Every chain verified as read back from PostgreSQL: ${PROMOTIONS}.`);
    await inPostgres(database.url, async ({ store }) => {
      const promotion = await store.getPromotion('7777');
      expect(
        verifyAuditChain(await store.readAudit('promotion-7777'), promotion?.audit ? { anchor: promotion.audit } : {}),
      ).toEqual({ intact: true });
      expect(await store.nextPromotionId()).toBe(String(PROMOTIONS + 1));
    });
    expect(
      await migrateStoreFromCommandLine({ from: 'redis', to: 'postgres', dataDir: '' }, env, silentLogger),
    ).toContain('(0 written now, the rest already there)');
  });

  it('copies nothing when a chain in the source does not verify, and names it', async () => {
    database = await createThrowawayDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'baton-migrate-'));
    const journal = join(dataDir, 'journal.jsonl');
    await loadEmbedded(journal, 20, 5);
    await writeFile(
      journal,
      (await readFile(journal, 'utf8')).replace('promotion #7 succeeded', 'promotion #7 was fine'),
    );
    await expect(
      migrateStoreFromCommandLine(
        { from: 'embedded', to: 'postgres', dataDir },
        { DATABASE_URL: database.url },
        silentLogger,
      ),
    ).rejects.toThrow(
      /1 audit chain does not verify in the source, so nothing was copied:\npromotion-7: record 4 was changed after it was written/,
    );
    expect(await database.query('SELECT count(*)::int AS promotions FROM baton.promotions')).toEqual([
      { promotions: 0 },
    ]);
  });

  it('carries archived promotions over, and never brings back one PostgreSQL archived since', async () => {
    database = await createThrowawayDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'baton-migrate-'));
    await loadEmbedded(join(dataDir, 'journal.jsonl'), 3, 1);
    const archive = async (store: Store, id: string) => {
      const promotion = await store.getPromotion(id);
      if (!promotion) throw new Error(`promotion #${id} is missing`);
      const archived = archivedEntry(promotion);
      await store.archivePromotion(archived, archivedRecord(id, 'dana'));
      return archived;
    };
    const source = new MemoryStore(dataDir);
    const first = await archive(source, '1');
    await source.close();
    const env = { DATABASE_URL: database.url };
    await migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir }, env, silentLogger);
    const second = await inPostgres(database.url, async ({ store }) => {
      expect(await store.getPromotion('1')).toBeUndefined();
      expect(await store.archivedPromotion('1')).toEqual(first);
      expect(verifyAuditChain(await store.readAudit('baton'))).toEqual({ intact: true });
      return archive(store, '2');
    });

    // PostgreSQL's own stream grew since (the archive of #2): copying again is refused there, and what came before it brought nothing back.
    await expect(
      migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir }, env, silentLogger),
    ).rejects.toThrow('The audit stream baton in PostgreSQL is not the one being copied');
    await inPostgres(database.url, async ({ store }) => {
      expect(await store.getPromotion('2')).toBeUndefined();
      expect(await store.readAudit('promotion-2')).toEqual([]);
      expect(await store.archivedPromotion('2')).toEqual(second);
      expect((await store.listPromotions()).map((p) => p.id)).toEqual(['3']);
    });
  });

  it("carries promotions' threads over, from a data folder and from a Redis whose older promotions keep theirs in their JSON", async () => {
    database = await createThrowawayDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'baton-migrate-'));
    await loadEmbedded(join(dataDir, 'journal.jsonl'), 3, 1);
    const source = new MemoryStore(dataDir);
    await source.noteThread('1', { channel: '#deploys', messageId: 'm1' });
    await source.close();
    const env = { DATABASE_URL: database.url };
    await migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir }, env, silentLogger);
    await inPostgres(database.url, async ({ store }) => {
      expect(await store.threadsOf(['1', '2', '3'])).toEqual(
        new Map([['1', { channel: '#deploys', messageId: 'm1' }]]),
      );
    });

    redis = await startRedisServer();
    const raw = new Redis(redis.url);
    await loadRedis(raw, 3, 1);
    await raw.set('baton:thread:1', JSON.stringify({ channel: '#deploys', messageId: 'posted again' }));
    await raw.set('baton:thread:2', JSON.stringify({ channel: '#deploys', messageId: 'm2' }));
    const older = JSON.parse((await raw.get('baton:promotion:3')) ?? 'null') as Record<string, unknown>;
    await raw.set('baton:promotion:3', JSON.stringify({ ...older, thread: { channel: '#deploys', messageId: 'm3' } }));
    raw.disconnect();
    await migrateStoreFromCommandLine(
      { from: 'redis', to: 'postgres', dataDir: '' },
      { ...env, REDIS_URL: redis.url },
      silentLogger,
    );
    await inPostgres(database.url, async ({ store }) => {
      // A thread PostgreSQL already has stands; the one the promotion's JSON kept moves out of it.
      expect(await store.threadsOf(['1', '2', '3'])).toEqual(
        new Map([
          ['1', { channel: '#deploys', messageId: 'm1' }],
          ['2', { channel: '#deploys', messageId: 'm2' }],
          ['3', { channel: '#deploys', messageId: 'm3' }],
        ]),
      );
      expect(await store.getPromotion('3')).toEqual(older);
    });
  });

  it('copies a promotion whose words hold NUL, copies nothing twice, and copies it again once the source has more of it', async () => {
    database = await createThrowawayDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'baton-migrate-'));
    const words = 'ship it\u0000 now';
    const said =
      (summary: string): AuditBuild =>
      (previous) =>
        sealAuditRecord(
          'promotion-1',
          { type: 'promotion.approved', actor: 'mallory', summary, promotionId: '1' },
          previous,
          'now',
        );
    const source = new MemoryStore(dataDir);
    await source.createPromotion(samplePromotion('1', { requestedBy: `mallory${words}`, reason: words }), [
      said(words),
    ]);
    await source.close();
    const env = { DATABASE_URL: database.url };
    const migrate = () => migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir }, env, silentLogger);

    expect(await migrate()).toContain('1 promotions (1 written now');
    expect(await migrate()).toContain('1 promotions (0 written now');

    const later = new MemoryStore(dataDir);
    await later.transitionPromotion('1', (p) => ({
      promotion: { ...p, state: 'rejected' },
      records: [said(`again: ${words}`)],
    }));
    await later.close();
    expect(await migrate()).toContain('1 promotions (1 written now');
    await inPostgres(database.url, async ({ store }) => {
      const promotion = await store.getPromotion('1');
      expect(promotion).toMatchObject({ reason: words, state: 'rejected', audit: { count: 2 } });
      expect((await store.readAudit('promotion-1')).map((r) => r.summary)).toEqual([words, `again: ${words}`]);
    });
  });

  it('says what it needs when DATABASE_URL or the source is missing', async () => {
    await expect(
      migrateStoreFromCommandLine({ from: 'embedded', to: 'postgres', dataDir: '.' }, {}, silentLogger),
    ).rejects.toThrow(/DATABASE_URL names; set it/);
    await expect(
      migrateStoreFromCommandLine({ from: 'redis', to: 'mysql', dataDir: '.' }, {}, silentLogger),
    ).rejects.toThrow(/to postgres only, not "mysql"/);
    await expect(
      migrateStoreFromCommandLine({ from: 'etcd', to: 'postgres', dataDir: '.' }, {}, silentLogger),
    ).rejects.toThrow(/--from takes embedded or redis, not "etcd"/);
  });
});
