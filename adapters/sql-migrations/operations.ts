/**
 * What the `sql-migrations` adapter does: reads the applied migrations, plans
 * and runs the pending ones up to the release's version, and undoes them.
 */
import type { AdapterContext, Observed, StepPreview, StepResult } from '../kit/contract.ts';
import { throwIfAborted } from './abort.ts';
import { ensureBookkeepingTable, readAppliedMigrations, type AppliedMigration } from './bookkeeping.ts';
import { assertNoEditedMigrations } from './edited-migrations.ts';
import { readMigrationFolder } from './migration-files.ts';
import { versionOf } from './migration-name.ts';
import { nameList, previewMigrations } from './preview.ts';
import { runMigrations } from './run-migrations.ts';
import type { SqlMigrationsConfig } from './schema.ts';
import { withLockedSession, withSession } from './sessions.ts';
import { lastApplied, migrationForVersion, pendingUpTo } from './target.ts';
import { checkRollbackTarget, migrationsToUndo } from './undo.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

function observedFrom(applied: readonly AppliedMigration[]): Observed {
  const last = lastApplied(applied);
  if (last === undefined) return { version: null };
  return { version: versionOf(last.name), detail: { migration: last.name } };
}

function versionOutput(applied: readonly AppliedMigration[]): string {
  return observedFrom(applied).version ?? '';
}

function took(startedAt: number): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
}

function plural(count: number): string {
  return count === 1 ? '1 migration' : `${count} migrations`;
}

export async function current(ctx: Context): Promise<Observed> {
  return withSession(ctx, 'Reading the applied migrations', async (session, table) =>
    observedFrom(await readAppliedMigrations(ctx, session, table)),
  );
}

export async function plan(ctx: Context): Promise<StepPreview> {
  const folder = await readMigrationFolder(ctx);
  const target = migrationForVersion(ctx, folder, ctx.version);
  return withSession(ctx, 'Planning the migrations', async (session, table) => {
    const applied = await readAppliedMigrations(ctx, session, table);
    assertNoEditedMigrations(ctx, session.target, folder, applied);
    const where = `${session.target}, bookkeeping in ${table.shownName}`;
    return previewMigrations(where, applied, target, pendingUpTo(folder, applied, target));
  });
}

export async function apply(ctx: Context): Promise<StepResult> {
  throwIfAborted(ctx, 'Applying migrations');
  const folder = await readMigrationFolder(ctx);
  const target = migrationForVersion(ctx, folder, ctx.version);
  return withLockedSession(ctx, 'Applying migrations', async (session, table) => {
    const startedAt = Date.now();
    await ensureBookkeepingTable(ctx, session, table);
    const applied = await readAppliedMigrations(ctx, session, table);
    assertNoEditedMigrations(ctx, session.target, folder, applied);
    const pending = pendingUpTo(folder, applied, target).map((migration) => migration.name);
    const done = pending.length === 0 ? [] : await runMigrations(ctx, session, table, folder, 'up', pending);
    const after = await readAppliedMigrations(ctx, session, table);
    const version = versionOutput(after);
    const summary =
      done.length === 0
        ? `nothing to apply: ${session.target} is at ${version}, which includes ${target.name}`
        : `applied ${plural(done.length)} up to ${target.version}: ${nameList(done)} (${took(startedAt)})`;
    return { outputs: { version }, summary };
  });
}

export async function rollback(ctx: Context, before: Observed): Promise<StepResult> {
  throwIfAborted(ctx, 'Rolling back migrations');
  checkRollbackTarget(ctx, before.version);
  const folder = await readMigrationFolder(ctx);
  const goal = before.version ?? 'before the first migration';
  return withLockedSession(ctx, 'Rolling back migrations', async (session, table) => {
    const startedAt = Date.now();
    const applied = await readAppliedMigrations(ctx, session, table);
    assertNoEditedMigrations(ctx, session.target, folder, applied);
    const undo = migrationsToUndo(ctx, folder, applied, before.version);
    const done = undo.length === 0 ? [] : await runMigrations(ctx, session, table, folder, 'down', undo);
    const version = versionOutput(await readAppliedMigrations(ctx, session, table));
    const summary =
      done.length === 0
        ? `nothing to roll back: nothing newer than ${goal} is applied`
        : `rolled back to ${goal}: undid ${plural(done.length)}, ${nameList(done)} (${took(startedAt)})`;
    return { outputs: { version }, summary };
  });
}
