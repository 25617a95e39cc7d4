/**
 * Catches a migration edited after it ran. The database holds what the file
 * said then; another environment would run what it says now, and the two
 * would drift apart without anyone noticing.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { AppliedMigration } from './bookkeeping.ts';
import { shown } from './connection-url.ts';
import type { MigrationFolder } from './migration-files.ts';
import type { SqlMigrationsConfig } from './schema.ts';

/** Stops, naming each changed file with both checksums, when an applied migration's file no longer matches. */
export function assertNoEditedMigrations(
  ctx: AdapterContext<SqlMigrationsConfig>,
  target: string,
  folder: MigrationFolder,
  applied: readonly AppliedMigration[],
): void {
  const recorded = new Map(applied.map((migration) => [migration.name, migration]));
  const edited = folder.migrations.flatMap((migration) => {
    const ran = recorded.get(migration.name);
    return ran === undefined || ran.checksum === migration.checksum ? [] : [{ migration, ran }];
  });
  if (edited.length === 0) return;
  const lines = edited.map(
    ({ migration, ran }) =>
      `  ${migration.up.shownPath}: SHA-256 is now ${migration.checksum}, ` +
      `but was ${ran.checksum} when it was applied on ${ran.appliedAt.toISOString()}`,
  );
  const one = edited.length === 1;
  throw new TerminalStepError(
    shown(
      ctx,
      `${one ? 'A migration was' : `${edited.length} migrations were`} changed after ${one ? 'it was' : 'they were'} applied to ${target}, ` +
        `so ${ctx.component} stops before running anything:\n${lines.join('\n')}\n` +
        `Applied migrations must stay as they ran. Restore ${one ? 'the file' : 'the files'} from version control ` +
        '(git log -p -- <file> shows the change) and put the change in a new migration.',
    ),
  );
}
