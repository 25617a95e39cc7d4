/**
 * The bookkeeping table: one row per applied migration with the SHA-256 of
 * the file that ran, when it ran and which Baton step ran it. A migration and
 * its row commit in the same transaction, so the table never claims more or
 * less than the schema holds.
 */
import { escapeIdentifier } from 'pg';
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { Session } from './connect.ts';
import { shown } from './connection-url.ts';
import { DEFAULT_TABLE, type SqlMigrationsConfig } from './schema.ts';
import { describeSqlFailure, sqlStateOf } from './sql-failures.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

export interface BookkeepingTable {
  schema: string;
  table: string;
  /** Quoted for SQL: `"public"."baton_migrations"`. */
  sqlName: string;
  /** As people write it: `public.baton_migrations`. */
  shownName: string;
}

export interface AppliedMigration {
  name: string;
  checksum: string;
  appliedAt: Date;
}

// 42703 undefined column, 42P01 undefined table, 42804 datatype mismatch:
// a table of that name exists but was not made by Baton.
const FOREIGN_TABLE_STATES = new Set(['42703', '42P01', '42804']);

/** Where the table lives: `schema`, or else the first schema on the connection's search_path, as CREATE TABLE would pick. */
export async function locateBookkeepingTable(ctx: Context, session: Session): Promise<BookkeepingTable> {
  const table = ctx.config.table ?? DEFAULT_TABLE;
  let schema = ctx.config.schema;
  if (schema === undefined) {
    const result = await session.client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    schema = result.rows[0]?.schema ?? undefined;
  }
  if (schema === undefined) {
    throw new TerminalStepError(
      shown(
        ctx,
        `${session.target} has no schema on its search_path to keep the bookkeeping table ${table} in. ` +
          `Set \`schema\` in ${ctx.component}'s settings.`,
      ),
    );
  }
  return {
    schema,
    table,
    sqlName: `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`,
    shownName: `${schema}.${table}`,
  };
}

async function tableExists(session: Session, table: BookkeepingTable): Promise<boolean> {
  const result = await session.client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
    table.sqlName,
  ]);
  return result.rows[0]?.found === true;
}

/** What ran, sorted by name; nothing when the table does not exist yet (no migration ever ran). */
export async function readAppliedMigrations(
  ctx: Context,
  session: Session,
  table: BookkeepingTable,
): Promise<AppliedMigration[]> {
  if (!(await tableExists(session, table))) return [];
  try {
    const result = await session.client.query<{ name: string; checksum: string; applied_at: Date }>(
      `SELECT name, checksum, applied_at FROM ${table.sqlName} ORDER BY name COLLATE "C"`,
    );
    return result.rows.map((row) => ({ name: row.name, checksum: row.checksum, appliedAt: row.applied_at }));
  } catch (error) {
    if (!FOREIGN_TABLE_STATES.has(sqlStateOf(error) ?? '')) throw error;
    throw new TerminalStepError(
      shown(
        ctx,
        `${table.shownName} in ${session.target} is not a Baton bookkeeping table: ${describeSqlFailure(error)}. ` +
          `Another tool may use that name: set \`table\` in ${ctx.component}'s settings to a name of Baton's own.`,
      ),
    );
  }
}

/** Creates the schema and the table when missing; runs under the migration lock, so two runners cannot race. */
export async function ensureBookkeepingTable(ctx: Context, session: Session, table: BookkeepingTable): Promise<void> {
  if (await tableExists(session, table)) return;
  try {
    // Checked first because CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
    const schema = await session.client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [table.schema]);
    if (schema.rowCount === 0) await session.client.query(`CREATE SCHEMA ${escapeIdentifier(table.schema)}`);
    await session.client.query(
      `CREATE TABLE ${table.sqlName} (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        step_id text NOT NULL
      )`,
    );
    ctx.log(`created the bookkeeping table ${table.shownName}`);
  } catch (error) {
    throw new TerminalStepError(
      shown(
        ctx,
        `Could not create the bookkeeping table ${table.shownName} in ${session.target}: ${describeSqlFailure(error)}. ` +
          'Grant the user CREATE on that schema, or create the table once by hand as the README shows.',
      ),
    );
  }
}

export async function recordMigration(
  session: Session,
  table: BookkeepingTable,
  migration: { name: string; checksum: string; stepId: string },
): Promise<void> {
  await session.client.query(`INSERT INTO ${table.sqlName} (name, checksum, step_id) VALUES ($1, $2, $3)`, [
    migration.name,
    migration.checksum,
    migration.stepId,
  ]);
}

export async function forgetMigration(session: Session, table: BookkeepingTable, name: string): Promise<void> {
  await session.client.query(`DELETE FROM ${table.sqlName} WHERE name = $1`, [name]);
}
