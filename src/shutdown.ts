/**
 * Stopping on SIGTERM or SIGINT without losing a step: no new jobs are taken,
 * running ones get a grace period to finish and have their result recorded,
 * and whatever still runs after it is stopped (its programs get SIGTERM, so
 * none runs on beside the worker that takes its step over) and left to the
 * engine — handed back to another worker, or marked interrupted at the next
 * start. A second signal stops at once.
 */
import type { EventEmitter } from 'node:events';
import { errorMessage } from './errors.ts';

/**
 * Under the 30 s Kubernetes gives a pod before SIGKILL, so that the line
 * naming what was left behind is written before the process is killed.
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

export interface Stoppable {
  /** Takes no new jobs, waits for running ones, then closes the engine. */
  close(): Promise<void>;
  /** The jobs still running, in words. */
  running(): string[];
  /** Stops the jobs still running without recording an outcome; resolves once their programs exited, or after a few seconds. */
  handBack(): Promise<void>;
}

export interface LeftBehind {
  /** What happens to a running step when the process exits without it: "stopped and handed back". */
  action: string;
  /** What becomes of those steps next, and what to do about it. */
  fate: string;
}

export interface ShutdownOptions {
  graceMs: number;
  leftBehind: LeftBehind;
  write(line: string): void;
  exit(code: number): void;
  signals?: EventEmitter;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

export function stopOnSignal(target: Stoppable, options: ShutdownOptions): void {
  const { graceMs, leftBehind, write, exit } = options;
  let stopping = false;

  /**
   * `busy` introduces the steps left behind; `idle` is said instead when there
   * are none. The steps are stopped first (their programs get SIGTERM); with
   * `waitForPrograms` the exit waits a moment for those programs to go.
   */
  const exitWithout = (busy: string, idle: string, waitForPrograms: boolean) => {
    const running = target.running();
    write(running.length > 0 ? `${busy}: ${leftBehind.action} ${running.join(', ')}. ${leftBehind.fate}` : idle);
    const programsGone = target.handBack();
    if (waitForPrograms) void programsGone.finally(() => exit(1));
    else exit(1);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      exitWithout(
        `${signal} again: stopping now`,
        `${signal} again: stopped before the engine was closed; no step was running.`,
        false,
      );
      return;
    }
    stopping = true;
    write(
      `${signal}: stopping. No new steps are taken; running ones have ${seconds(graceMs)} to finish (BATON_SHUTDOWN_GRACE_MS).`,
    );
    const deadline = setTimeout(
      () =>
        exitWithout(
          `Still running after ${seconds(graceMs)}`,
          `Closing the engine took longer than ${seconds(graceMs)}; stopped without waiting further. No step was running.`,
          true,
        ),
      graceMs,
    );
    target.close().then(
      () => {
        clearTimeout(deadline);
        write('Stopped: every running step finished and is recorded.');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        const why = `Could not stop cleanly (${errorMessage(error)})`;
        exitWithout(why, `${why}; no step was running.`, true);
      },
    );
  };

  const signals = options.signals ?? process;
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);
}

/** What becomes of steps left running depends on whether the queue outlives this process. */
export function leftBehindBy(queue: { durable: boolean }): LeftBehind {
  return queue.durable
    ? {
        action: 'stopped and handed back',
        fate: "Another worker resumes each with the same step id once this process's claim on it lapses (BATON_REDIS_LOCK_MS); with no worker running, they wait in Redis until one starts.",
      }
    : {
        action: 'stopped',
        fate: 'Each is marked interrupted when Baton starts again with this data folder; check what it changed then, and roll back if needed.',
      };
}
