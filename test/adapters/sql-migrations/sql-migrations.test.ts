/**
 * The sql-migrations adapter against the real PostgreSQL server: a fresh
 * database and migrations folder per test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { sqlMigrationsAdapter } from '../../../adapters/sql-migrations/index.ts';
import { migrationLockKey } from '../../../adapters/sql-migrations/lock.ts';
import type { SqlMigrationsConfig } from '../../../adapters/sql-migrations/schema.ts';
import type { TestAdapterContext } from '../context.ts';
import { TEST_PASSWORD } from './postgres.ts';
import { ORDERS_HISTORY, createWorkspace, type Workspace } from './workspace.ts';

const adapter = sqlMigrationsAdapter;

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

let workspace: Workspace;

beforeEach(async () => {
  workspace = await createWorkspace();
});

afterEach(async () => {
  await workspace.cleanup();
});

describe('plan', () => {
  it('lists the migrations pending up to the version, in order, without touching the database', async () => {
    const preview = await adapter.plan(workspace.context({ version: '0003' }));
    expect(preview.summary).toBe('3 pending: 0001_create_orders, 0002_add_customers, 0003_index_orders');
    expect(preview.changes).toBe(true);
    expect(preview.reversible).toBe(true);
    expect(preview.details).toContain(
      'db/migrations/0002_add_customers.sql (undone by db/migrations/0002_add_customers.down.sql)',
    );
    expect(preview.details.join('\n')).not.toContain('0004');
    expect(await workspace.exists('baton_migrations')).toBe(false);
  });

  it('lists only what has not run yet, and nothing once the version is applied', async () => {
    await adapter.apply(workspace.context({ version: '0001' }));
    expect((await adapter.plan(workspace.context({ version: '0004' }))).summary).toBe(
      '3 pending: 0002_add_customers, 0003_index_orders, 0004_add_notes',
    );
    expect(await adapter.plan(workspace.context({ version: '0001' }))).toMatchObject({
      summary: 'up to date: 0001_create_orders is applied, nothing pending',
      changes: false,
    });
  });

  it('says when the database is already past the version, without planning to undo anything', async () => {
    await adapter.apply(workspace.context({ version: '0003' }));
    const preview = await adapter.plan(workspace.context({ version: '0001' }));
    expect(preview.changes).toBe(false);
    expect(preview.summary).toContain('already past 0001: 0003_index_orders is applied');
  });

  it('is irreversible when a pending migration has no down file, and says which', async () => {
    await workspace.remove('0002_add_customers.down.sql');
    const preview = await adapter.plan(workspace.context({ version: '0003' }));
    expect(preview.reversible).toBe(false);
    expect(preview.details).toContain(
      'db/migrations/0002_add_customers.sql (no 0002_add_customers.down.sql: cannot be undone)',
    );
  });

  it('refuses a version no file starts with, listing the versions there are', async () => {
    for (const version of ['0005', '3', '2026.11.3']) {
      const error = await failure(adapter.plan(workspace.context({ version })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain(`schema has no migration for schema version "${version}" in db/migrations`);
      expect(error.message).toContain('Versions there: 0001, 0002, 0003, 0004.');
    }
  });
});

describe('apply', () => {
  it('applies every migration up to the version, recording name, checksum, time and step', async () => {
    const ctx = workspace.context({ version: '0002' });
    const result = await adapter.apply(ctx);
    expect(result.outputs).toEqual({ version: '0002' });
    expect(result.summary).toMatch(
      /^applied 2 migrations up to 0002: 0001_create_orders, 0002_add_customers \(\d+\.\ds\)$/,
    );
    expect(await workspace.exists('customers')).toBe(true);
    expect(
      await workspace.database.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'notes'"),
    ).toEqual([]);
    const rows = await workspace.database.query<{ name: string; checksum: string; step_id: string; applied_at: Date }>(
      'SELECT name, checksum, step_id, applied_at FROM baton_migrations ORDER BY name',
    );
    expect(rows.map(({ name, checksum, step_id }) => ({ name, checksum, step_id }))).toEqual([
      {
        name: '0001_create_orders',
        checksum: workspace.checksumOf(ORDERS_HISTORY['0001_create_orders.sql'] ?? ''),
        step_id: ctx.stepId,
      },
      {
        name: '0002_add_customers',
        checksum: workspace.checksumOf(ORDERS_HISTORY['0002_add_customers.sql'] ?? ''),
        step_id: ctx.stepId,
      },
    ]);
    expect(Date.now() - (rows[0]?.applied_at.getTime() ?? 0)).toBeLessThan(60_000);
    expect(ctx.logged).toContain('applying 0001_create_orders');
    expect(await adapter.current(ctx)).toEqual({ version: '0002', detail: { migration: '0002_add_customers' } });
  });

  it('applies nothing when run again, keeping the records and the outputs', async () => {
    const ctx = workspace.context({ version: '0003' });
    const first = await adapter.apply(ctx);
    const recorded = await workspace.database.query('SELECT * FROM baton_migrations ORDER BY name');
    const second = await adapter.apply(ctx);
    expect(second.outputs).toEqual(first.outputs);
    expect(second.summary).toContain('nothing to apply');
    expect(await workspace.database.query('SELECT * FROM baton_migrations ORDER BY name')).toEqual(recorded);
  });

  it('rolls back only the failing migration, naming the file, the line and the PostgreSQL error', async () => {
    await workspace.write(
      '0002_add_customers.sql',
      'CREATE TABLE customers (id bigserial PRIMARY KEY);\n\nINSERT INTO customer_typo (id) VALUES (1);\n',
    );
    const error = await failure(adapter.apply(workspace.context({ version: '0003' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('db/migrations/0002_add_customers.sql failed, so its transaction was rolled back');
    expect(error.message).toContain('relation "customer_typo" does not exist (SQLSTATE 42P01)');
    expect(error.message).toContain('at db/migrations/0002_add_customers.sql:3:13');
    expect(error.message).toContain('3 | INSERT INTO customer_typo (id) VALUES (1);');
    expect(error.message).toContain('Applied before it in this step, and still applied: 0001_create_orders.');
    expect(await workspace.exists('orders')).toBe(true);
    expect(await workspace.exists('customers')).toBe(false);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders']);

    await workspace.write('0002_add_customers.sql', ORDERS_HISTORY['0002_add_customers.sql'] ?? '');
    expect((await adapter.apply(workspace.context({ version: '0003' }))).summary).toContain(
      'applied 2 migrations up to 0003: 0002_add_customers, 0003_index_orders',
    );
  });

  it('commits a migration together with its bookkeeping row, or neither', async () => {
    // The migration writes the row Baton is about to write, so recording it fails after the migration's SQL succeeded.
    await workspace.write(
      '0002_add_customers.sql',
      "CREATE TABLE customers (id bigint);\nINSERT INTO baton_migrations (name, checksum, step_id) VALUES ('0002_add_customers', 'x', 'y');\n",
    );
    const error = await failure(adapter.apply(workspace.context({ version: '0002' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('db/migrations/0002_add_customers.sql failed, so its transaction was rolled back');
    expect(error.message).toContain('duplicate key value violates unique constraint');
    expect(await workspace.exists('customers')).toBe(false);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders']);
  });

  it('stops before running anything when an applied migration was edited, naming it and both checksums', async () => {
    await adapter.apply(workspace.context({ version: '0001' }));
    const edited = 'CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric NOT NULL, currency text);\n';
    await workspace.write('0001_create_orders.sql', edited);
    const before = workspace.checksumOf(ORDERS_HISTORY['0001_create_orders.sql'] ?? '');
    for (const call of [adapter.plan, adapter.apply]) {
      const error = await failure(call(workspace.context({ version: '0003' })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain(
        `db/migrations/0001_create_orders.sql: SHA-256 is now ${workspace.checksumOf(edited)}, but was ${before} when it was applied`,
      );
      expect(error.message).toContain('stops before running anything');
    }
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders']);
  });

  it('waits for a migration lock another runner holds, then fails saying so, retryably, having applied nothing', async () => {
    const holder = await workspace.database.connect();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [
      migrationLockKey('public', 'baton_migrations').toString(),
    ]);
    const ctx = workspace.context({ version: '0003' });
    const startedAt = Date.now();
    const error = await failure(adapter.apply(ctx));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('another migration holds the lock on public.baton_migrations');
    expect(error.message).toContain('after waiting 1s (`lockTimeout`). Nothing was applied.');
    expect(ctx.logged).toContain(
      'another migration holds the lock on public.baton_migrations; waiting up to 1s for it',
    );
    expect(await workspace.exists('orders')).toBe(false);

    await holder.query('SELECT pg_advisory_unlock_all()');
    expect((await adapter.apply(workspace.context({ version: '0003' }))).outputs).toEqual({ version: '0003' });
  });

  it('lets two runners at once apply each migration exactly once', async () => {
    await workspace.write(
      '0001_create_orders.sql',
      `SELECT pg_sleep(0.5);\n${ORDERS_HISTORY['0001_create_orders.sql'] ?? ''}`,
    );
    const runner = () =>
      adapter.apply(workspace.context({ version: '0003', config: { ...workspace.settings, lockTimeout: '20s' } }));
    const results = await Promise.all([runner(), runner()]);
    expect(results.map((result) => result.outputs)).toEqual([{ version: '0003' }, { version: '0003' }]);
    expect(results.filter((result) => result.summary.startsWith('applied 3 migrations'))).toHaveLength(1);
    expect(results.filter((result) => result.summary.startsWith('nothing to apply'))).toHaveLength(1);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders', '0002_add_customers', '0003_index_orders']);
  });

  it('cancels the running migration on abort, rolling it back and releasing the lock', async () => {
    await workspace.write('0002_add_customers.sql', 'CREATE TABLE customers (id bigint);\nSELECT pg_sleep(30);\n');
    const ctx: TestAdapterContext<SqlMigrationsConfig> = workspace.context({
      version: '0003',
      log: (line) => {
        if (line === 'applying 0002_add_customers')
          setTimeout(() => ctx.abort(new Error('schema did not finish within 600s')), 200);
      },
    });
    const startedAt = Date.now();
    const error = await failure(adapter.apply(ctx));
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      'was stopped: the step was cancelled or timed out (schema did not finish within 600s)',
    );
    expect(error.message).toContain(
      '0002_add_customers was cancelled and its transaction rolled back, so it is not applied',
    );
    expect(error.message).toContain('Applied before it in this step, and still applied: 0001_create_orders.');
    expect(await workspace.exists('customers')).toBe(false);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders']);
    expect(
      await workspace.database.query(
        "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      ),
    ).toEqual([]);
  });

  it('keeps the bookkeeping table in `schema` and creates unqualified names there', async () => {
    const ctx = workspace.context({
      version: '0001',
      config: { ...workspace.settings, schema: 'billing', table: 'schema_history' },
    });
    expect((await adapter.plan(ctx)).summary).toBe('1 pending: 0001_create_orders');
    await adapter.apply(ctx);
    expect(await workspace.exists('billing.orders')).toBe(true);
    expect(await workspace.exists('public.orders')).toBe(false);
    expect(await workspace.appliedNames('billing.schema_history')).toEqual(['0001_create_orders']);
    expect((await adapter.current(ctx)).version).toBe('0001');
    expect((await adapter.current(workspace.context())).version).toBeNull();
  });
});

describe('rollback', () => {
  it('runs the down files newest first, each in a transaction, back to the version that ran before', async () => {
    await adapter.apply(workspace.context({ version: '0003' }));
    const ctx = workspace.context({ version: '0003' });
    const result = await adapter.rollback?.(ctx, { version: '0001' });
    expect(result?.outputs).toEqual({ version: '0001' });
    expect(result?.summary).toMatch(
      /^rolled back to 0001: undid 2 migrations, 0003_index_orders, 0002_add_customers \(\d+\.\ds\)$/,
    );
    expect(ctx.logged.filter((line) => line.startsWith('undoing'))).toEqual([
      'undoing 0003_index_orders',
      'undoing 0002_add_customers',
    ]);
    expect(await workspace.exists('customers')).toBe(false);
    expect(await workspace.exists('orders')).toBe(true);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders']);
    expect((await adapter.current(ctx)).version).toBe('0001');
  });

  it('undoes everything when nothing ran before', async () => {
    await adapter.apply(workspace.context({ version: '0002' }));
    const result = await adapter.rollback?.(workspace.context(), { version: null });
    expect(result?.outputs).toEqual({ version: '' });
    expect(await workspace.exists('orders')).toBe(false);
    expect(await workspace.appliedNames()).toEqual([]);
  });

  it('undoes nothing when one of the migrations has no down file, naming it and the component', async () => {
    await workspace.remove('0002_add_customers.down.sql');
    await adapter.apply(workspace.context({ version: '0003' }));
    const error = await failure(Promise.resolve(adapter.rollback?.(workspace.context(), { version: '0001' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('schema cannot roll back to 0001, so nothing was undone');
    expect(error.message).toContain('0002_add_customers (no 0002_add_customers.down.sql) cannot be undone');
    expect(await workspace.exists('orders_customer')).toBe(true);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders', '0002_add_customers', '0003_index_orders']);
  });

  it('keeps a migration applied when its down file fails, rolling back only that transaction', async () => {
    await adapter.apply(workspace.context({ version: '0003' }));
    await workspace.write(
      '0002_add_customers.down.sql',
      'ALTER TABLE orders DROP COLUMN customer_id;\nSELECT * FROM customerz;\n',
    );
    const error = await failure(Promise.resolve(adapter.rollback?.(workspace.context(), { version: '0001' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      'Undoing 0002_add_customers with db/migrations/0002_add_customers.down.sql failed, so its transaction was rolled back and 0002_add_customers is still applied',
    );
    expect(error.message).toContain('at db/migrations/0002_add_customers.down.sql:2:15');
    expect(error.message).toContain('Undone before it in this step: 0003_index_orders.');
    expect(
      await workspace.database.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'customer_id'"),
    ).toHaveLength(1);
    expect(await workspace.appliedNames()).toEqual(['0001_create_orders', '0002_add_customers']);
  });
});

describe('the connection string', () => {
  function expectHidden(error: Error, logged: readonly string[] = []): void {
    for (const text of [error.message, ...logged]) {
      expect(text).not.toContain(TEST_PASSWORD);
      expect(text).not.toContain(workspace.database.url);
    }
  }

  it('never shows its password when the server cannot be reached', async () => {
    const url = `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:1/orders`;
    const ctx = workspace.context({ config: { ...workspace.settings, url } });
    const error = await failure(adapter.apply(ctx));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain(
      'Could not connect to database "orders" on 127.0.0.1:1 as postgres for schema in dev',
    );
    expectHidden(error, ctx.logged);
  });

  it('never shows its password when the database does not exist', async () => {
    const url = `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:5432/baton_no_such_database`;
    const error = await failure(adapter.current(workspace.context({ config: { ...workspace.settings, url } })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('database "baton_no_such_database" does not exist');
    expectHidden(error);
  });

  it('never shows its password when it is not a valid URL', async () => {
    const url = `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:port/orders`;
    const error = await failure(adapter.plan(workspace.context({ config: { ...workspace.settings, url } })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('`url` is not a valid connection URL (its value is hidden)');
    expectHidden(error);
  });

  it('hides it even when PostgreSQL quotes it back in an error or a notice', async () => {
    const url = workspace.database.url;
    await workspace.write(
      '0002_add_customers.sql',
      `DO $$ BEGIN RAISE NOTICE 'connected with %', '${url}'; END $$;\nSELECT '${url}'::int;\n`,
    );
    const ctx = workspace.context();
    const error = await failure(adapter.apply(ctx));
    expect(error.message).toContain('invalid input syntax for type integer: "***"');
    expect(ctx.logged).toContain('NOTICE: connected with ***');
    expectHidden(error, ctx.logged);
  });
});

describe('the migrations folder', () => {
  it('must exist', async () => {
    const error = await failure(
      adapter.plan(workspace.context({ config: { ...workspace.settings, dir: 'db/nowhere' } })),
    );
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('db/nowhere of schema does not exist');
    expect(error.message).toContain('`dir` is relative to the config folder');
  });

  it('holds only numbered .sql files', async () => {
    await workspace.write('seed.sql', 'INSERT INTO orders DEFAULT VALUES;');
    const error = await failure(adapter.apply(workspace.context()));
    expect(error.message).toContain('must start with its number, e.g. 0001_create_orders.sql, but seed.sql does not');
    expect(await workspace.exists('orders')).toBe(false);
  });

  it('refuses numbers that do not grow with the names, or that repeat', async () => {
    await workspace.write('10_later.sql', 'SELECT 1;');
    await workspace.write('9_earlier.sql', 'SELECT 1;');
    expect((await failure(adapter.plan(workspace.context()))).message).toContain(
      'db/migrations/9_earlier.sql and db/migrations/10_later.sql in db/migrations are out of order',
    );
    await workspace.remove('10_later.sql');
    await workspace.remove('9_earlier.sql');
    await workspace.write('0003_also_three.sql', 'SELECT 1;');
    expect((await failure(adapter.plan(workspace.context()))).message).toContain('both are numbered 3');
  });

  it('refuses a down file without its up file', async () => {
    await workspace.write('0005_typo.down.sql', 'SELECT 1;');
    expect((await failure(adapter.plan(workspace.context()))).message).toContain(
      '0005_typo.down.sql in db/migrations has no up migration (0005_typo.sql)',
    );
  });
});

describe('settings', () => {
  function problems(input: unknown): string {
    const result = adapter.config.safeParse(input);
    return result.success ? '' : result.error.issues.map((issue) => issue.message).join('\n');
  }

  it('accepts the documented example, with the URL still a placeholder', () => {
    expect(
      problems({
        dir: 'db/migrations',
        url: '${secret:DATABASE_URL}',
        table: 'baton_migrations',
        schema: 'app',
        lockTimeout: '2m',
      }),
    ).toBe('');
  });

  it('rejects a URL that is not a PostgreSQL connection string, without quoting it', () => {
    const text = problems({ dir: 'db', url: 'db.internal:5432/app?password=hunter22' });
    expect(text).toContain('`url` must be a postgres:// or postgresql:// connection string');
    expect(text).not.toContain('hunter22');
  });

  it('rejects names PostgreSQL would fold or quote, and durations that are not', () => {
    expect(problems({ dir: 'db', url: 'postgres://h/d', table: 'Schema-History' })).toContain(
      '`table` must use lower-case letters',
    );
    expect(problems({ dir: 'db', url: 'postgres://h/d', lockTimeout: 'soon' })).toContain(
      '`lockTimeout` must be a duration',
    );
    expect(problems({ dir: 'db', url: 'postgres://h/d', lockTimeout: '0s' })).toContain('longer than zero');
  });

  it('has the documented step defaults', () => {
    expect(adapter.step).toEqual({ timeoutMs: 1_800_000, retries: 2 });
  });
});
