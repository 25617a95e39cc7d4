/**
 * Brings the database's schema up to what this Baton knows, at start, under a
 * PostgreSQL advisory lock: many bots starting at once take turns, and the
 * ones after the first find nothing left to do. Each migration and its
 * bookkeeping row commit together. A database migrated by a newer Baton is
 * refused before anything is touched.
 */
import type pg from 'pg';
import { Umzug, type UmzugStorage } from 'umzug';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';
import { SCHEMA_MIGRATIONS, type SchemaMigration } from './migrations/index.ts';

/** The advisory lock key of Baton's schema migrations: any fixed bigint; this one is "Baton" in ASCII. */
const MIGRATION_LOCK_KEY = BigInt('0x426174616e').toString();
const LOCK_NOT_AVAILABLE = '55P03';
const LOCK_WAIT = '120s';

class BookkeepingStorage implements UmzugStorage {
  constructor(private readonly client: pg.PoolClient) {}

  async executed(): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      'SELECT name FROM baton.schema_migrations ORDER BY name COLLATE "C"',
    );
    return rows.map((row) => row.name);
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    await this.client.query('INSERT INTO baton.schema_migrations (name) VALUES ($1)', [name]);
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    await this.client.query('DELETE FROM baton.schema_migrations WHERE name = $1', [name]);
  }
}

function newerSchema(shownUrl: string, unknown: string[]): BatonError {
  return new BatonError(
    ErrorCode.EngineUnavailable,
    `The database at ${shownUrl} has schema migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which this Baton does not know: ` +
      'a newer Baton has upgraded it, and this one could misread or damage its records, so it will not start. ' +
      'Run the same Baton version as the others on this database (or newer); nothing was changed.',
  );
}

async function takeLock(client: pg.PoolClient, shownUrl: string): Promise<void> {
  await client.query(`SET lock_timeout = '${LOCK_WAIT}'`);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
    throw new BatonError(
      ErrorCode.EngineUnavailable,
      `Could not migrate Baton's schema in ${shownUrl}: another process held the migration lock for ${LOCK_WAIT} (${errorMessage(error)}). ` +
        `Another Baton is upgrading the schema or is stuck doing it; find it with SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ${BigInt(MIGRATION_LOCK_KEY) & 0xffffffffn}; and start this one again.`,
      { cause: error },
    );
  } finally {
    await client.query('RESET lock_timeout');
  }
}

/** Applies what is pending; returns the names applied (none when another bot got there first). */
export async function migrateSchema(
  pool: pg.Pool,
  shownUrl: string,
  migrations: readonly SchemaMigration[] = SCHEMA_MIGRATIONS,
): Promise<string[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A connection that breaks between statements says so as an event, which must not end the process; the next statement fails with it.
  const noteBreak = (error: Error) => void (broken = error);
  client.on('error', noteBreak);
  try {
    await takeLock(client, shownUrl);
    try {
      await client.query('CREATE SCHEMA IF NOT EXISTS baton');
      await client.query(
        'CREATE TABLE IF NOT EXISTS baton.schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const storage = new BookkeepingStorage(client);
      const known = new Set(migrations.map((migration) => migration.name));
      const unknown = (await storage.executed()).filter((name) => !known.has(name));
      if (unknown.length > 0) throw newerSchema(shownUrl, unknown);
      const umzug = new Umzug({
        migrations: migrations.map((migration) => ({ name: migration.name, up: () => client.query(migration.sql) })),
        storage,
        logger: undefined,
      });
      umzug.on('migrating', async () => {
        await client.query('BEGIN');
      });
      umzug.on('migrated', async () => {
        await client.query('COMMIT');
      });
      try {
        return (await umzug.up()).map((migration) => migration.name);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error instanceof BatonError
          ? error
          : new BatonError(
              ErrorCode.EngineUnavailable,
              `Could not migrate Baton's schema in ${shownUrl}: ${errorMessage(error)}. Nothing of the failed migration was kept; fix the cause and start Baton again.`,
              { cause: error },
            );
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = error instanceof Error ? error : undefined;
    throw error;
  } finally {
    client.off('error', noteBreak);
    // A session that failed mid-way may hold a transaction or the lock still: it is closed, not reused.
    client.release(broken);
  }
}
