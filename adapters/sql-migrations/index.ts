/**
 * The `sql-migrations` adapter: brings a PostgreSQL schema to a release's
 * schema version by running the numbered .sql files of a folder, each in its
 * own transaction, under an advisory lock, recording a checksum of each.
 */
import type { TargetAdapter } from '../contract.ts';
import { sqlMigrationsConfigSchema, type SqlMigrationsConfig } from './schema.ts';

// The PostgreSQL client and the migration runner load the first time a step uses them: a bot with no such component does not carry them.
const operations = () => import('./operations.ts');

export const sqlMigrationsAdapter: TargetAdapter<SqlMigrationsConfig> = {
  kind: 'sql-migrations',
  description:
    'Brings a PostgreSQL schema to the release’s version with numbered .sql files, each in a transaction, under an advisory lock.',
  config: sqlMigrationsConfigSchema,
  step: { timeoutMs: 30 * 60_000, retries: 2 },
  current: async (ctx) => (await operations()).current(ctx),
  plan: async (ctx) => (await operations()).plan(ctx),
  apply: async (ctx) => (await operations()).apply(ctx),
  rollback: async (ctx, before) => (await operations()).rollback(ctx, before),
};
