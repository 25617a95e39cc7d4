import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresRecords, type PostgresRecords } from '../../src/engine/postgres/index.ts';
import { SCHEMA_MIGRATIONS } from '../../src/engine/postgres/migrations/index.ts';
import { PROMOTION_COLUMNS, promotionRow } from '../../src/engine/postgres/promotion-rows.ts';
import { migrateSchema } from '../../src/engine/postgres/schema-migrations.ts';
import { createThrowawayDatabase } from '../support/postgres-database.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { samplePromotion } from './contract-suite.ts';

describe('the PostgreSQL records schema', () => {
  it('is migrated once when many bots start at once, and each of them can use it', async () => {
    const database = await createThrowawayDatabase();
    const opened: PostgresRecords[] = [];
    try {
      const logged: string[][] = [];
      const logger = {
        ...silentLogger,
        info: (details: object) => void logged.push((details as { applied?: string[] }).applied ?? []),
      };
      opened.push(
        ...(await Promise.all(
          Array.from({ length: 8 }, () => openPostgresRecords({ url: database.url, logger, use: 'shared' })),
        )),
      );
      expect(logged).toEqual([SCHEMA_MIGRATIONS.map((migration) => migration.name)]);
      expect(await database.query('SELECT name FROM baton.schema_migrations')).toEqual(
        SCHEMA_MIGRATIONS.map((migration) => ({ name: migration.name })),
      );
      const ids = await Promise.all(opened.map((records) => records.store.nextPromotionId()));
      expect(new Set(ids).size).toBe(8);
    } finally {
      for (const records of opened) await records.store.close();
      await database.drop();
    }
  });

  it('is refused, untouched, by a Baton older than the one that migrated it', async () => {
    const database = await createThrowawayDatabase();
    try {
      const first = await openPostgresRecords({ url: database.url, logger: silentLogger, use: 'shared' });
      await first.store.createPromotion(samplePromotion('1'));
      await first.store.close();
      await database.query("INSERT INTO baton.schema_migrations (name) VALUES ('9999-from-the-future')");
      await expect(openPostgresRecords({ url: database.url, logger: silentLogger, use: 'shared' })).rejects.toThrow(
        /has schema migration 9999-from-the-future, which this Baton does not know: a newer Baton has upgraded it.*Run the same Baton version/,
      );
      expect(await database.query('SELECT id FROM baton.promotions')).toEqual([{ id: '1' }]);
    } finally {
      await database.drop();
    }
  });

  it('moves the threads promotions kept out of their documents into a table of their own, every word kept', async () => {
    const database = await createThrowawayDatabase();
    try {
      const pool = new pg.Pool({ connectionString: database.url });
      try {
        await migrateSchema(pool, database.url, SCHEMA_MIGRATIONS.slice(0, 2));
      } finally {
        await pool.end();
      }
      const thread = { channel: '#deploys', messageId: '1700000000.000100' };
      const posted = samplePromotion('1', { state: 'succeeded', reason: 'nul \u0000, “quotes”, ünïcödé 🚀' });
      const first = samplePromotion('2', { state: 'running' });
      const unposted = samplePromotion('3');
      // As the version before wrote them: the thread inside the document, wherever a change left it.
      for (const document of [{ ...posted, thread }, { thread: { ...thread, messageId: 'm2' }, ...first }, unposted])
        await database.query(
          `INSERT INTO baton.promotions (${PROMOTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          promotionRow(document),
        );

      const records = await openPostgresRecords({ url: database.url, logger: silentLogger, use: 'shared' });
      try {
        expect(await records.store.threadOf('1')).toEqual(thread);
        expect(await records.store.threadsOf(['1', '2', '3'])).toEqual(
          new Map([
            ['1', thread],
            ['2', { ...thread, messageId: 'm2' }],
          ]),
        );
        expect(await records.store.getPromotion('1')).toEqual(posted);
        expect(await records.store.getPromotion('2')).toEqual(first);
        expect(await records.store.getPromotion('3')).toEqual(unposted);
        const [row] = await database.query<{ document: string }>(
          'SELECT document::text AS document FROM baton.promotions WHERE id = 1',
        );
        expect(row?.document).toBe(JSON.stringify(posted));
        expect(await records.store.noteThread('1', { channel: '#deploys', messageId: 'another' })).toEqual(thread);
      } finally {
        await records.store.close();
      }
    } finally {
      await database.drop();
    }
  });

  it('says where it could not reach PostgreSQL and what to do, without the password', async () => {
    const url = 'postgres://baton:hunter2@127.0.0.1:1/baton';
    const opening = openPostgresRecords({ url, logger: silentLogger, use: 'shared' });
    await expect(opening).rejects.toThrow(
      /^Cannot reach PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/baton: .*ECONNREFUSED.*Start PostgreSQL or fix DATABASE_URL/,
    );
    await expect(opening).rejects.not.toThrow(/hunter2/);
  });
});

describe('one database, bots with and without Redis', () => {
  it('lets a bot without Redis be the only one on its records, and bots with Redis share them', async () => {
    const database = await createThrowawayDatabase();
    const open = (use: 'shared' | 'sole') => openPostgresRecords({ url: database.url, logger: silentLogger, use });
    try {
      const sole = await open('sole');
      await expect(open('sole')).rejects.toThrow(
        /Another Baton already uses the database .* must be the only one .* set REDIS_URL on every bot and worker/,
      );
      await expect(open('shared')).rejects.toThrow(/A Baton without REDIS_URL uses the database/);
      await sole.store.close();
      const shared = [await open('shared'), await open('shared')];
      await expect(open('sole')).rejects.toThrow(/Another Baton already uses the database/);
      for (const records of shared) await records.store.close();
      await (await open('sole')).store.close();
    } finally {
      await database.drop();
    }
  });
});
