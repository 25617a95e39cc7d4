/**
 * What a rollback to an earlier schema version undoes: every applied
 * migration numbered above it, newest first. All of them need a down file,
 * or nothing is undone: stopping halfway would leave a schema no release had.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { AppliedMigration } from './bookkeeping.ts';
import { shown } from './connection-url.ts';
import type { MigrationFolder } from './migration-files.ts';
import { DOWN_SUFFIX, newestFirst, versionOf } from './migration-name.ts';
import type { SqlMigrationsConfig } from './schema.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

const VERSION_NUMBER = /^\d+$/;

/** Refuses a rollback target that is not a schema version number, before connecting. */
export function checkRollbackTarget(ctx: Context, version: string | null): void {
  if (version === null || VERSION_NUMBER.test(version)) return;
  throw new TerminalStepError(
    shown(
      ctx,
      `${ctx.component} cannot roll back to "${version}": a sql-migrations version is the number a migration file starts with, ` +
        'e.g. 0003. Roll the schema back by hand, then correct what Baton records for this environment.',
    ),
  );
}

function isNewerThan(name: string, version: string | null): boolean {
  const own = versionOf(name);
  if (own === null) return false;
  return version === null || BigInt(own) > BigInt(version);
}

/** Names to undo, newest first; a terminal error naming the ones that cannot be undone, if any. */
export function migrationsToUndo(
  ctx: Context,
  folder: MigrationFolder,
  applied: readonly AppliedMigration[],
  version: string | null,
): string[] {
  const names = newestFirst(applied.map((migration) => migration.name).filter((name) => isNewerThan(name, version)));
  const files = new Map(folder.migrations.map((migration) => [migration.name, migration]));
  const problems = names.flatMap((name) => {
    const file = files.get(name);
    if (file === undefined) return [`${name} (its files are no longer in ${folder.shownPath})`];
    return file.down === undefined ? [`${name} (no ${name}${DOWN_SUFFIX})`] : [];
  });
  if (problems.length > 0) {
    throw new TerminalStepError(
      shown(
        ctx,
        `${ctx.component} cannot roll back to ${version ?? 'before its first migration'}, so nothing was undone: ` +
          `${problems.join(', ')} cannot be undone. Add the missing down ${problems.length === 1 ? 'file' : 'files'} and roll back again, ` +
          'or restore the schema by hand.',
      ),
    );
  }
  return names;
}
