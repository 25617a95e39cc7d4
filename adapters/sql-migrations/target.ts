/**
 * From a release's schema version to migrations: the version names the file
 * whose number it is, written the same way ("0003" for 0003_add_index.sql),
 * and every migration up to and including that file should be applied.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { AppliedMigration } from './bookkeeping.ts';
import { shown } from './connection-url.ts';
import type { MigrationFile, MigrationFolder } from './migration-files.ts';
import { versionOf } from './migration-name.ts';
import type { SqlMigrationsConfig } from './schema.ts';

const VERSIONS_LISTED = 20;

function availableVersions(folder: MigrationFolder): string {
  const versions = folder.migrations.map((migration) => migration.version);
  const newest = versions.slice(-VERSIONS_LISTED);
  const older = versions.length - newest.length;
  return `${newest.join(', ')}${older > 0 ? ` (and ${older} older)` : ''}`;
}

/** The migration `version` names; a terminal error listing the versions there are when none does. */
export function migrationForVersion(
  ctx: AdapterContext<SqlMigrationsConfig>,
  folder: MigrationFolder,
  version: string,
): MigrationFile {
  const found = folder.migrations.find((migration) => migration.version === version);
  if (found !== undefined) return found;
  if (folder.migrations.length === 0) {
    throw new TerminalStepError(
      shown(
        ctx,
        `${ctx.component} cannot go to schema version "${version}": ${folder.shownPath} holds no migrations (.sql files).`,
      ),
    );
  }
  throw new TerminalStepError(
    shown(
      ctx,
      `${ctx.component} has no migration for schema version "${version}" in ${folder.shownPath}. The version must be the ` +
        'number a migration file starts with, written the same way (0003 for 0003_add_index.sql). ' +
        `Versions there: ${availableVersions(folder)}.`,
    ),
  );
}

/** Migrations up to and including `target` that have not run, in the order they will run. */
export function pendingUpTo(
  folder: MigrationFolder,
  applied: readonly AppliedMigration[],
  target: MigrationFile,
): MigrationFile[] {
  const ran = new Set(applied.map((migration) => migration.name));
  const upTo = folder.migrations.indexOf(target);
  return folder.migrations.slice(0, upTo + 1).filter((migration) => !ran.has(migration.name));
}

/** The newest migration that ran (by name), or undefined when none did. */
export function lastApplied(applied: readonly AppliedMigration[]): AppliedMigration | undefined {
  return applied.filter((migration) => versionOf(migration.name) !== null).at(-1);
}

/** Applied migrations newer than `target`: apply never undoes them, and a plan says the database is ahead. */
export function appliedAfter(applied: readonly AppliedMigration[], target: MigrationFile): AppliedMigration[] {
  return applied.filter((migration) => migration.name > target.name);
}
