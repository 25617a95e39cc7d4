/**
 * The plan people approve: which migrations will run, in order, and whether
 * each can be undone.
 */
import type { StepPreview } from '../kit/contract.ts';
import type { AppliedMigration } from './bookkeeping.ts';
import type { MigrationFile } from './migration-files.ts';
import { DOWN_SUFFIX } from './migration-name.ts';
import { appliedAfter } from './target.ts';

const NAMES_IN_SUMMARY = 5;

/** `0002_a, 0003_b` or, for a long list, the first few and how many more. */
export function nameList(names: readonly string[]): string {
  if (names.length <= NAMES_IN_SUMMARY) return names.join(', ');
  return `${names.slice(0, NAMES_IN_SUMMARY).join(', ')} and ${names.length - NAMES_IN_SUMMARY} more`;
}

function pendingLine(migration: MigrationFile): string {
  return migration.down === undefined
    ? `${migration.up.shownPath} (no ${migration.name}${DOWN_SUFFIX}: cannot be undone)`
    : `${migration.up.shownPath} (undone by ${migration.down.shownPath})`;
}

export function previewMigrations(
  where: string,
  applied: readonly AppliedMigration[],
  target: MigrationFile,
  pending: readonly MigrationFile[],
): StepPreview {
  if (pending.length === 0) {
    const newest = appliedAfter(applied, target).at(-1);
    const summary =
      newest === undefined
        ? `up to date: ${target.name} is applied, nothing pending`
        : `already past ${target.version}: ${newest.name} is applied; nothing to apply (apply never undoes migrations)`;
    return { summary, details: [where], reversible: true, changes: false };
  }
  return {
    summary: `${pending.length} pending: ${nameList(pending.map((migration) => migration.name))}`,
    details: [where, ...pending.map(pendingLine)],
    reversible: pending.every((migration) => migration.down !== undefined),
    changes: true,
  };
}
