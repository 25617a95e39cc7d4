/**
 * Runs one of a script component's commands for a step and turns the ways it
 * can go wrong into step errors a person can act on.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errorMessage } from '../../src/errors.ts';
import type { AdapterContext } from '../kit/contract.ts';
import { formatElapsed } from '../kit/durations.ts';
import { runProcess, type ProcessOutcome } from '../kit/process.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { abortReason, notStartedError } from '../kit/stopped.ts';
import { scriptEnvironment } from './environment.ts';
import type { ScriptConfig } from './schema.ts';

/** sysexits.h EX_TEMPFAIL: the script asks for another attempt. */
export const EXIT_TRY_AGAIN = 75;

export type ScriptSetting = 'apply' | 'plan' | 'current' | 'verify' | 'rollback';

export interface ScriptCommand {
  setting: ScriptSetting;
  argv: readonly string[];
  extraEnv?: Record<string, string>;
  captureStdout?: boolean;
}

export interface FinishedCommand {
  /** The command as people see it, secrets redacted. */
  display: string;
  outcome: ProcessOutcome;
  /** What the command wrote to `$BATON_OUTPUT`. */
  outputText: string;
}

export function displayCommand(ctx: AdapterContext<ScriptConfig>, argv: readonly string[]): string {
  return argv.map((arg) => ctx.redact(arg)).join(' ');
}

function describeCommand(ctx: AdapterContext<ScriptConfig>, command: ScriptCommand, display: string): string {
  return `\`${display}\` (${command.setting} of ${ctx.component} in ${ctx.environment})`;
}

/** The last lines a failed command wrote, to quote in a message. */
export function quoteTail(outcome: ProcessOutcome): string {
  if (outcome.stderrTail.length > 0) return `\nLast lines of stderr:\n  ${outcome.stderrTail.join('\n  ')}`;
  if (outcome.outputTail.length > 0)
    return `\nIt wrote nothing to stderr; last lines of output:\n  ${outcome.outputTail.join('\n  ')}`;
  return '\nIt wrote no output.';
}

function throwIfAborted(ctx: AdapterContext<ScriptConfig>, what: string): void {
  if (ctx.signal.aborted) throw notStartedError(ctx.signal, ctx.redact, what);
}

async function workingFolder(ctx: AdapterContext<ScriptConfig>): Promise<string> {
  const folder = resolve(ctx.configDir, ctx.config.cwd ?? '.');
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new TerminalStepError(
      ctx.redact(
        `The working folder ${folder} of ${ctx.component} does not exist or is not a folder. ` +
          `\`cwd\` is relative to the config folder ${ctx.configDir}: fix it, or leave it out to run there.`,
      ),
    );
  }
  return folder;
}

function startError(
  ctx: AdapterContext<ScriptConfig>,
  command: ScriptCommand,
  display: string,
  error: unknown,
): TerminalStepError {
  const program = command.argv[0] ?? '';
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? `program "${program}" was not found. Check \`${command.setting}[0]\` in the component's settings: ` +
        'it must be on the PATH of the Baton worker, or a path relative to the working folder.'
      : code === 'EACCES'
        ? `"${program}" is not executable. Make it executable (chmod +x) or run it through its interpreter, ` +
          `e.g. ["bash", "${program}"].`
        : `${errorMessage(error)}.`;
  return new TerminalStepError(ctx.redact(`Could not start ${describeCommand(ctx, command, display)}: ${why}`), {
    cause: error,
  });
}

/**
 * Runs the command and returns how it ended. Throws when it could not start,
 * was aborted, or exited with {@link EXIT_TRY_AGAIN}; any other exit is the
 * caller's to judge.
 */
export async function runScriptCommand(
  ctx: AdapterContext<ScriptConfig>,
  command: ScriptCommand,
): Promise<FinishedCommand> {
  const display = displayCommand(ctx, command.argv);
  const what = describeCommand(ctx, command, display);
  throwIfAborted(ctx, what);
  const cwd = await workingFolder(ctx);
  await mkdir(ctx.workDir, { recursive: true });
  const scratch = await mkdtemp(join(ctx.workDir, `script-${command.setting}-`));
  const outputFile = join(scratch, 'output');
  let outcome: ProcessOutcome;
  let outputText: string;
  try {
    await writeFile(outputFile, '');
    // Checked again after the awaits above: from here to the spawn nothing yields.
    throwIfAborted(ctx, what);
    outcome = await runProcess(command.argv, {
      cwd,
      env: scriptEnvironment(ctx, outputFile, command.extraEnv),
      signal: ctx.signal,
      onLine: (line) => ctx.log(line),
      captureStdout: command.captureStdout ?? false,
      programs: ctx.programs,
      stepId: ctx.stepId,
    }).catch((error: unknown) => {
      throw startError(ctx, command, display, error);
    });
    // A script may remove the file; that just means it wrote no outputs.
    outputText = await readFile(outputFile, 'utf8').catch(() => '');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const took = formatElapsed(outcome.durationMs);
  if (outcome.aborted) {
    throw new TerminalStepError(
      ctx.redact(
        `${what} was stopped after ${took}: the step was cancelled or timed out (${abortReason(ctx.signal)}). ` +
          'Baton terminated its process group, so the target may be half-changed: ' +
          'check the step log, then run the promotion again or roll back.',
      ),
      { cause: ctx.signal.reason },
    );
  }
  if (outcome.exitCode === EXIT_TRY_AGAIN) {
    throw new RetryableStepError(
      ctx.redact(
        `${what} exited with code ${EXIT_TRY_AGAIN} (temporary failure) after ${took}; ` +
          `the step can be tried again.${quoteTail(outcome)}`,
      ),
    );
  }
  return { display, outcome, outputText };
}

/** "failed with exit code 3 after 0.4s" or "was killed by signal SIGKILL after 2.0s". */
export function describeEnding(outcome: ProcessOutcome): string {
  const ending =
    outcome.exitSignal !== null
      ? `was killed by signal ${outcome.exitSignal}`
      : `failed with exit code ${outcome.exitCode}`;
  return `${ending} after ${formatElapsed(outcome.durationMs)}`;
}

/** The error for a command that ran and did not exit 0. */
export function commandFailed(
  ctx: AdapterContext<ScriptConfig>,
  command: ScriptCommand,
  finished: FinishedCommand,
): TerminalStepError {
  return new TerminalStepError(
    ctx.redact(
      `${describeCommand(ctx, command, finished.display)} ${describeEnding(finished.outcome)}.` +
        `${quoteTail(finished.outcome)}\n` +
        'Fix the cause (the full output is in the step log) and run the promotion again. ' +
        `A script that expects a retry to pass should exit with code ${EXIT_TRY_AGAIN}.`,
    ),
  );
}

/** Runs the command and throws unless it exits 0. */
export async function runScriptCommandToSuccess(
  ctx: AdapterContext<ScriptConfig>,
  command: ScriptCommand,
): Promise<FinishedCommand> {
  const finished = await runScriptCommand(ctx, command);
  if (finished.outcome.exitCode !== 0) throw commandFailed(ctx, command, finished);
  return finished;
}
