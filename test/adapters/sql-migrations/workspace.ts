/**
 * One test's world: a config folder with `db/migrations` in it, a fresh
 * database, and contexts for the adapter pointing at both.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import type { SqlMigrationsConfig } from '../../../adapters/sql-migrations/schema.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export const MIGRATIONS_DIR = 'db/migrations';

/** A small schema history: each migration with its down file. */
export const ORDERS_HISTORY: Record<string, string> = {
  '0001_create_orders.sql': 'CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric NOT NULL);\n',
  '0001_create_orders.down.sql': 'DROP TABLE orders;\n',
  '0002_add_customers.sql':
    'CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL);\nALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);\n',
  '0002_add_customers.down.sql': 'ALTER TABLE orders DROP COLUMN customer_id;\nDROP TABLE customers;\n',
  '0003_index_orders.sql': 'CREATE INDEX orders_customer ON orders (customer_id);\n',
  '0003_index_orders.down.sql': 'DROP INDEX orders_customer;\n',
  '0004_add_notes.sql': 'ALTER TABLE orders ADD COLUMN notes text;\n',
  '0004_add_notes.down.sql': 'ALTER TABLE orders DROP COLUMN notes;\n',
};

export interface Workspace {
  configDir: string;
  database: TestDatabase;
  settings: SqlMigrationsConfig;
  /** Writes (or overwrites) a file in the migrations folder. */
  write(fileName: string, sql: string): Promise<void>;
  remove(fileName: string): Promise<void>;
  checksumOf(sql: string): string;
  context(overrides?: Partial<AdapterContext<SqlMigrationsConfig>>): TestAdapterContext<SqlMigrationsConfig>;
  /** Whether a table (or index) of that name exists in the test database. */
  exists(relation: string): Promise<boolean>;
  appliedNames(table?: string): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function createWorkspace(files: Record<string, string> = ORDERS_HISTORY): Promise<Workspace> {
  const configDir = await mkdtemp(join(tmpdir(), 'baton-sql-migrations-'));
  const folder = join(configDir, MIGRATIONS_DIR);
  await mkdir(folder, { recursive: true });
  const write = (fileName: string, sql: string) => writeFile(join(folder, fileName), sql);
  for (const [fileName, sql] of Object.entries(files)) await write(fileName, sql);
  const database = await createTestDatabase().catch(async (error: unknown) => {
    await rm(configDir, { recursive: true, force: true });
    throw error;
  });
  const settings: SqlMigrationsConfig = { dir: MIGRATIONS_DIR, url: database.url, lockTimeout: '1s' };
  return {
    configDir,
    database,
    settings,
    write,
    remove: (fileName) => rm(join(folder, fileName)),
    checksumOf: (sql) => createHash('sha256').update(sql).digest('hex'),
    context: (overrides = {}) =>
      makeAdapterContext<SqlMigrationsConfig>({
        component: 'schema',
        version: '0003',
        previousVersion: null,
        workDir: join(configDir, '.work'),
        configDir,
        ...overrides,
        config: { ...settings, ...overrides.config },
      }),
    exists: async (relation) =>
      (await database.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [relation]))[0]
        ?.found === true,
    appliedNames: async (table = 'public.baton_migrations') =>
      (await database.query<{ name: string }>(`SELECT name FROM ${table} ORDER BY name`)).map((row) => row.name),
    cleanup: async () => {
      await database.drop();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
