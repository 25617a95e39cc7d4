/**
 * Runs the real `git` from an argv array (never a shell), never prompting:
 * a worker has nobody to type a password, so a missing credential must fail
 * at once instead of hanging until the step times out.
 */
import type { ProgramSupervisor } from '../../kit/contract.ts';
import { runProcess } from '../../kit/process.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { abortReason } from '../../kit/stopped.ts';

export interface GitOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd: string;
  signal: AbortSignal;
  /** Where git is registered while it runs, so a worker restarted after a crash can stop it. */
  programs: ProgramSupervisor;
  stepId: string;
  /** Exit codes that answer a question rather than report a failure (e.g. 1 for `merge-base --is-ancestor`). */
  acceptExitCodes?: readonly number[];
  extraEnv?: Record<string, string>;
}

/** git ran and exited with a code the caller did not expect. */
export class GitFailure extends Error {
  readonly exitCode: number;
  readonly stderr: string;
  readonly stdout: string;

  constructor(subcommand: string, outcome: GitOutcome) {
    super(
      `git ${subcommand} exited with code ${outcome.exitCode}: ${outcome.stderr.trim() || outcome.stdout.trim() || 'no output'}`,
    );
    this.name = 'GitFailure';
    this.exitCode = outcome.exitCode;
    this.stderr = outcome.stderr;
    this.stdout = outcome.stdout;
  }
}

/** git was stopped by the step's signal. */
export class GitStopped extends Error {
  /** Why the step was stopped, as the signal says. */
  readonly reason: string;

  constructor(subcommand: string, reason: string) {
    super(`git ${subcommand} was stopped (${reason})`);
    this.name = 'GitStopped';
    this.reason = reason;
  }
}

function gitEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    // ssh must not ask about host keys or passphrases either.
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    // Messages are matched in English (e.g. a rejected push), whatever the worker's locale.
    LC_ALL: 'C',
    LANGUAGE: 'C',
    ...extra,
  };
}

/** The first word after any `-c name=value` options: what people call the command. */
function subcommandOf(args: readonly string[]): string {
  for (let index = 0; index < args.length; index += 1) {
    if (args[index] === '-c') index += 1;
    else return args[index] ?? '';
  }
  return '';
}

export async function runGit(args: readonly string[], options: GitOptions): Promise<GitOutcome> {
  const subcommand = subcommandOf(args);
  if (options.signal.aborted) throw new GitStopped(subcommand, abortReason(options.signal));
  const stdout: string[] = [];
  const stderr: string[] = [];
  const outcome = await runProcess(['git', ...args], {
    cwd: options.cwd,
    env: gitEnvironment(options.extraEnv),
    signal: options.signal,
    onLine: (line, from) => (from === 'stdout' ? stdout : stderr).push(line),
    programs: options.programs,
    stepId: options.stepId,
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new TerminalStepError(
      'git is not installed on the Baton worker (or not on its PATH), and gitops mode needs it: ' +
        'install it (Debian/Ubuntu: apt-get install git) and run the promotion again.',
    );
  });
  if (outcome.aborted) throw new GitStopped(subcommand, abortReason(options.signal));
  const text = (lines: string[]): string => lines.map((line) => `${line}\n`).join('');
  const result = { exitCode: outcome.exitCode ?? -1, stdout: text(stdout), stderr: text(stderr) };
  if (result.exitCode === 0 || options.acceptExitCodes?.includes(result.exitCode)) return result;
  throw new GitFailure(subcommand, result);
}
