/**
 * Runs one program from an argv array (never through a shell), streams its
 * output line by line, and on abort stops its whole process group: deploy
 * scripts start helpers (kubectl, curl, sleep) that must not outlive the step.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { errorMessage } from '../../src/errors.ts';
import type { ProgramSupervisor } from './contract.ts';
import { OutputTail } from './output-tail.ts';

/** How long a process group has to exit after SIGTERM before it gets SIGKILL. */
export const KILL_GRACE_MS = 5_000;

/**
 * How long to keep reading after the program exited. A background process it
 * started may hold stdout open for good; the step must not wait for it.
 */
const OUTPUT_DRAIN_MS = 2_000;

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Receives every stdout and stderr line as it arrives, and which of the two it came from. */
  onLine(line: string, from: 'stdout' | 'stderr'): void;
  /** Keep every stdout line in the outcome (for commands whose output is their answer). */
  captureStdout?: boolean;
  killGraceMs?: number;
  /** Told of the program while it runs, so a worker restarted after a crash can stop it. */
  programs: ProgramSupervisor;
  /** The step the program runs for, as the supervisor files it. */
  stepId: string;
}

export interface ProcessOutcome {
  /** Null when the process ended by a signal or never started. */
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** True when `signal` aborted the run; the process group was then terminated. */
  aborted: boolean;
  durationMs: number;
  /** Every stdout line, when `captureStdout` was set. */
  stdout: string[];
  stderrTail: string[];
  /** The last lines of stdout and stderr together, in arrival order. */
  outputTail: string[];
}

function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  // The stream closes after readline has seen its end, so the last line is in by then.
  return new Promise((resolve) => stream.once('close', resolve));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the detached child leads.
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has already exited, which is what we wanted.
  }
}

/**
 * Resolves when the program has exited and its output is read. Rejects only
 * when the program could not be started (the error's `code` says why, e.g.
 * ENOENT) or could not be recorded with `programs` (it is then killed at once).
 */
export function runProcess(argv: readonly string[], options: ProcessOptions): Promise<ProcessOutcome> {
  const [program, ...args] = argv;
  if (program === undefined) return Promise.reject(new Error('runProcess needs at least the program to run'));
  const startedAt = performance.now();
  const stdout: string[] = [];
  const stderrTail = new OutputTail();
  const outputTail = new OutputTail();
  const finish = (exitCode: number | null, exitSignal: NodeJS.Signals | null, aborted: boolean): ProcessOutcome => ({
    exitCode,
    exitSignal,
    aborted,
    durationMs: performance.now() - startedAt,
    stdout,
    stderrTail: stderrTail.lines,
    outputTail: outputTail.lines,
  });

  if (options.signal.aborted) return Promise.resolve(finish(null, null, true));

  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...options.env, ...options.programs.environmentFor(options.stepId) },
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid === undefined) {
      // Node reports why it could not start on the next tick.
      child.once('error', reject);
      return;
    }
    child.on('error', (error) => options.onLine(`baton: ${error.message}`, 'stderr'));
    // Noted before anything can yield, so a crash from here on leaves a record of the program.
    let forget: () => void;
    try {
      forget = options.programs.started(options.stepId, pid);
    } catch (error) {
      // A program that a restarted worker could not find must not run unseen.
      signalGroup(pid, 'SIGKILL');
      reject(
        new Error(
          `Baton stopped it at once because it could not record it for a restarted worker to find (${errorMessage(error)}); ` +
            "make sure Baton's data folder is writable",
          { cause: error },
        ),
      );
      return;
    }

    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      aborted = true;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });

    const stdoutDone = eachLine(child.stdout, (line) => {
      if (options.captureStdout) stdout.push(line);
      outputTail.push(line);
      options.onLine(line, 'stdout');
    });
    const stderrDone = eachLine(child.stderr, (line) => {
      stderrTail.push(line);
      outputTail.push(line);
      options.onLine(line, 'stderr');
    });
    let drainTimer: NodeJS.Timeout | undefined;
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.once('exit', (code, signal) => {
        drainTimer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, OUTPUT_DRAIN_MS);
        done([code, signal]);
      }),
    );
    void exited.then(forget);

    void Promise.all([exited, stdoutDone, stderrDone]).then(([[exitCode, exitSignal]]) => {
      clearTimeout(drainTimer);
      options.signal.removeEventListener('abort', onAbort);
      if (aborted) {
        // The leader is gone; whatever is left of its group gets no more grace.
        clearTimeout(killTimer);
        signalGroup(pid, 'SIGKILL');
      }
      resolve(finish(exitCode, exitSignal, aborted));
    });
  });
}
