/**
 * A fresh database on the real PostgreSQL server for each test, dropped after
 * it. The URL carries a password (ignored by the server's trust auth) so every
 * test can check that it never reaches a message.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const SERVER = process.env.BATON_TEST_POSTGRES ?? '127.0.0.1:5432';
const ADMIN_URL = `postgres://postgres@${SERVER}/postgres`;

/** The password in every test URL; trust auth ignores it, messages must never show it. */
export const TEST_PASSWORD = 'pw-s3cr3t-9f2c';

const HOW_TO_START =
  'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(Debian package: postgresql; the tests expect user postgres with trust auth on 127.0.0.1:5432, ' +
  'or set BATON_TEST_POSTGRES=host:port).';

export interface TestDatabase {
  name: string;
  /** postgres://postgres:<TEST_PASSWORD>@…/<name> */
  url: string;
  /** Runs SQL in the test database from a connection of its own (not the adapter's). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Opens another connection to the database, e.g. to hold a lock; closed by `drop`. */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(`PostgreSQL is not reachable at ${SERVER} (${(error as Error).message}). ${HOW_TO_START}`, {
      cause: error,
    });
  }
  return client;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `baton_test_${randomBytes(6).toString('hex')}`;
  const admin = await adminClient();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = `postgres://postgres:${TEST_PASSWORD}@${SERVER}/${name}`;
  const clients: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  };
  const inspector = await connect();
  return {
    name,
    url,
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await inspector.query<R>(sql, params)).rows,
    connect,
    drop: async () => {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      const dropper = await adminClient();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
