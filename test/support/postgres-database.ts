/**
 * A database of its own on the real PostgreSQL server (127.0.0.1:5432, trust
 * auth, or BATON_TEST_POSTGRES=host:port), made for one test and dropped
 * after it. A server that is not running fails the test with how to start it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const SERVER = process.env.BATON_TEST_POSTGRES ?? '127.0.0.1:5432';

export interface ThrowawayDatabase {
  url: string;
  /** Runs SQL in the database from a connection of its own. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

async function admin(): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: `postgres://postgres@${SERVER}/postgres`,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is not reachable at ${SERVER} (${(error as Error).message}). Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ` +
        '(the tests expect user postgres with trust auth), or set BATON_TEST_POSTGRES=host:port.',
      { cause: error },
    );
  }
  return client;
}

export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `baton_test_${randomBytes(6).toString('hex')}`;
  const creator = await admin();
  try {
    await creator.query(`CREATE DATABASE ${name}`);
  } finally {
    await creator.end();
  }
  const url = `postgres://postgres@${SERVER}/${name}`;
  let inspector: pg.Client | undefined;
  return {
    url,
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
      if (!inspector) {
        inspector = new pg.Client({ connectionString: url });
        await inspector.connect();
      }
      return (await inspector.query<R>(sql, params)).rows;
    },
    drop: async () => {
      await inspector?.end().catch(() => undefined);
      const dropper = await admin();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
