/**
 * The error a person reads when a run of migrations stops: which file, what
 * PostgreSQL said and where, what stays applied, and what to do next.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { abortReason } from '../kit/stopped.ts';
import type { Session } from './connect.ts';
import { shown } from './connection-url.ts';
import type { MigrationFile } from './migration-files.ts';
import type { SqlMigrationsConfig } from './schema.ts';
import { describeSqlFailure, isTransientFailure } from './sql-failures.ts';

export type Direction = 'up' | 'down';

export interface StoppedRun {
  direction: Direction;
  /** The migration whose transaction was open; undefined when the run stopped between migrations. */
  migration: MigrationFile | undefined;
  /** Whether the error came from the migration's own SQL, so its position points into the file. */
  fromFile: boolean;
  /** Names finished (committed) before it stopped, in order. */
  done: readonly string[];
  error: unknown;
}

function list(names: readonly string[]): string {
  return names.join(', ');
}

function finishedSoFar(run: StoppedRun): string {
  if (run.direction === 'up') {
    return run.done.length > 0
      ? `Applied before it in this step, and still applied: ${list(run.done)}.`
      : 'No migration was applied in this step.';
  }
  return run.done.length > 0 ? `Undone before it in this step: ${list(run.done)}.` : 'Nothing was undone in this step.';
}

function sqlFileOf(run: StoppedRun) {
  return run.direction === 'up' ? run.migration?.up : run.migration?.down;
}

function stopped(ctx: AdapterContext<SqlMigrationsConfig>, session: Session, run: StoppedRun): TerminalStepError {
  const cancelled =
    run.migration === undefined
      ? ''
      : ` ${run.migration.name} was cancelled and its transaction rolled back, so it is ${run.direction === 'up' ? 'not applied' : 'still applied'}.`;
  return new TerminalStepError(
    shown(
      ctx,
      `Migrating ${session.target} for ${ctx.component} was stopped: the step was cancelled or timed out ` +
        `(${abortReason(ctx.signal)}).${cancelled} ${finishedSoFar(run)} Run the promotion again to continue where it stopped.`,
    ),
    { cause: ctx.signal.reason },
  );
}

export function runFailure(ctx: AdapterContext<SqlMigrationsConfig>, session: Session, run: StoppedRun): Error {
  if (ctx.signal.aborted) return stopped(ctx, session, run);
  const file = sqlFileOf(run);
  const what = describeSqlFailure(run.error, run.fromFile ? file : undefined);
  const transient = isTransientFailure(run.error);
  const retry = transient
    ? ' This can pass on another attempt (a deadlock, a busy lock or a restart), so the step will be tried again.'
    : '';
  const Failure = transient ? RetryableStepError : TerminalStepError;
  let message: string;
  if (run.migration === undefined || file === undefined) {
    message = `Migrating ${session.target} for ${ctx.component} failed: ${what}\n${finishedSoFar(run)}${retry}`;
  } else if (run.direction === 'up') {
    message =
      `${file.shownPath} failed, so its transaction was rolled back and none of it is applied:\n${what}\n` +
      `${finishedSoFar(run)}${retry}` +
      (transient
        ? ''
        : ` Fix ${file.shownPath} (it has not run, so editing it is safe) and run the promotion again; it continues from ${run.migration.name}.`);
  } else {
    message =
      `Undoing ${run.migration.name} with ${file.shownPath} failed, so its transaction was rolled back and ${run.migration.name} is still applied:\n${what}\n` +
      `${finishedSoFar(run)}${retry}` +
      (transient ? '' : ` Fix ${file.shownPath} and roll back again.`);
  }
  return new Failure(shown(ctx, message), { cause: run.error });
}
