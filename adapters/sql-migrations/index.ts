/**
 * The `sql-migrations` adapter: brings a PostgreSQL schema to a release's
 * schema version by running the numbered .sql files of a folder, each in its
 * own transaction, under an advisory lock, recording a checksum of each.
 */
import { lazyAdapter } from '../kit/lazy-adapter.ts';
import { sqlMigrationsConfigSchema, type SqlMigrationsConfig } from './schema.ts';

export const sqlMigrationsAdapter = lazyAdapter<SqlMigrationsConfig>(
  {
    kind: 'sql-migrations',
    description:
      'Brings a PostgreSQL schema to the release’s version with numbered .sql files, each in a transaction, under an advisory lock.',
    config: sqlMigrationsConfigSchema,
    step: { timeoutMs: 30 * 60_000, retries: 2 },
  },
  {
    current: operations,
    plan: operations,
    apply: operations,
    rollback: operations,
  },
);

// The PostgreSQL client and the migration runner load the first time a step uses them: a bot with no such component does not carry them.
function operations() {
  return import('./operations.ts');
}
