/**
 * Runs migrations up or down through umzug, each in its own transaction.
 *
 * umzug calls, per migration: the `migrating` event, the migration, the
 * storage (which writes or deletes the bookkeeping row), then `migrated`. The
 * transaction opens at the first and commits at the last, so a migration and
 * its bookkeeping row commit together or not at all.
 */
import { MigrationError, Umzug, type RunnableMigration } from 'umzug';
import type { AdapterContext } from '../kit/contract.ts';
import { formatDuration } from '../kit/durations.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { BookkeepingStorage } from './bookkeeping-storage.ts';
import type { BookkeepingTable } from './bookkeeping.ts';
import type { Session } from './connect.ts';
import { shown } from './connection-url.ts';
import type { MigrationFile, MigrationFolder } from './migration-files.ts';
import { runFailure, type Direction } from './failures.ts';
import type { SqlMigrationsConfig } from './schema.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

function runnable(ctx: Context, session: Session, migration: MigrationFile): RunnableMigration<object> {
  return {
    name: migration.name,
    path: migration.up.shownPath,
    up: () => session.client.query(migration.up.sql),
    down: async () => {
      // Callers only undo migrations with a down file; without one, umzug would drop the row and leave the schema.
      if (migration.down === undefined) {
        throw new TerminalStepError(shown(ctx, `${migration.name} has no down file, so it cannot be undone.`));
      }
      return session.client.query(migration.down.sql);
    },
  };
}

function elapsedSince(startedAt: number): string {
  const ms = Date.now() - startedAt;
  return ms < 1_000 ? `${ms}ms` : formatDuration(ms);
}

/**
 * Applies (`up`) or undoes (`down`) the named migrations in the given order,
 * under the caller's lock. Returns the names finished; on failure throws a
 * step error saying which file failed and what stays applied.
 */
export async function runMigrations(
  ctx: Context,
  session: Session,
  table: BookkeepingTable,
  folder: MigrationFolder,
  direction: Direction,
  names: readonly string[],
): Promise<string[]> {
  const byName = new Map(folder.migrations.map((migration) => [migration.name, migration]));
  const umzug = new Umzug({
    migrations: folder.migrations.map((migration) => runnable(ctx, session, migration)),
    storage: new BookkeepingStorage(
      session,
      table,
      new Map(folder.migrations.map((m) => [m.name, m.checksum])),
      ctx.stepId,
    ),
    logger: undefined,
  });
  const verb = direction === 'up' ? 'applying' : 'undoing';
  const done: string[] = [];
  let running: MigrationFile | undefined;
  let startedAt = 0;

  const begin = async ({ name }: { name: string }) => {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    running = byName.get(name);
    startedAt = Date.now();
    ctx.log(`${verb} ${name}`);
    await session.client.query('BEGIN');
  };
  const commit = async ({ name }: { name: string }) => {
    await session.client.query('COMMIT');
    running = undefined;
    done.push(name);
    ctx.log(`${direction === 'up' ? 'applied' : 'undid'} ${name} in ${elapsedSince(startedAt)}`);
  };
  umzug.on(direction === 'up' ? 'migrating' : 'reverting', begin);
  umzug.on(direction === 'up' ? 'migrated' : 'reverted', commit);

  try {
    if (direction === 'up') await umzug.up({ migrations: [...names] });
    else await umzug.down({ migrations: [...names] });
    return done;
  } catch (error) {
    const failed = running;
    if (failed !== undefined) await session.client.query('ROLLBACK').catch(() => undefined);
    const fromFile = error instanceof MigrationError;
    throw runFailure(ctx, session, {
      direction,
      migration: failed,
      fromFile,
      done,
      error: fromFile ? error.cause : error,
    });
  }
}
