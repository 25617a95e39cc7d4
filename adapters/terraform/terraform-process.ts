/**
 * Runs one Terraform command for a step: argv only, in the module folder,
 * streaming what a person should see to the step log, and stopping the whole
 * process group when the step is cancelled or times out.
 */
import { errorMessage } from '../../src/errors.ts';
import { formatElapsed } from '../kit/durations.ts';
import { OutputTail } from '../kit/output-tail.ts';
import { runProcess, type ProcessOutcome } from '../kit/process.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { abortReason, notStartedError } from '../kit/stopped.ts';
import { readMachineLine, type ChangeCounts, type Diagnostic } from './machine-output.ts';
import { describeStep, type TerraformSession } from './session.ts';

/**
 * How a command's output is treated:
 * - `text`: human output (init, workspace), logged line by line;
 * - `machine`: `-json` UI messages (plan, apply), logged as their text;
 * - `quiet`: stdout is the answer (show -json, output -json) and holds
 *   variable and output values, so it is never logged; stderr is.
 */
export type OutputHandling = 'text' | 'machine' | 'quiet';

/**
 * Terraform stops gracefully on SIGTERM and writes what it changed to the
 * state; cutting that short loses track of real resources, so it gets longer
 * than a script would.
 */
const TERRAFORM_KILL_GRACE_MS = 30_000;

export interface TerraformOutcome {
  /** `init`, `plan`, `apply`…: the first argument. */
  subcommand: string;
  /** The command as people see it, secrets redacted. */
  display: string;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  durationMs: number;
  /** Every stdout line, for `quiet` commands. */
  stdout: string[];
  /** The last lines the command showed in the step log, redacted. */
  tail: string[];
  diagnostics: Diagnostic[];
  /** The counts of the last change summary (`machine` commands). */
  changes?: ChangeCounts;
}

function startFailed(session: TerraformSession, what: string, error: unknown): TerminalStepError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? `the program "${session.binary}" was not found. Install Terraform or OpenTofu on the Baton worker, ` +
        'or set `binary` to the program to run, e.g. "tofu" or "/usr/local/bin/terraform".'
      : code === 'EACCES'
        ? `"${session.binary}" is not executable. Check \`binary\` in the component's settings and the file's permissions.`
        : `${errorMessage(error)}.`;
  return new TerminalStepError(session.ctx.redact(`Could not start ${what}: ${why}`), { cause: error });
}

function stopped(session: TerraformSession, what: string, durationMs: number): TerminalStepError {
  const { ctx } = session;
  return new TerminalStepError(
    ctx.redact(
      `${what} was stopped after ${formatElapsed(durationMs)}: the step was cancelled or timed out (${abortReason(ctx.signal)}). ` +
        `Baton interrupted Terraform, which records in the state of workspace ${session.workspace} what it had changed; ` +
        'check the step log. If Terraform was killed before it released the state lock, release it with `terraform force-unlock`. ' +
        'Then request the promotion again, or roll back.',
    ),
    { cause: ctx.signal.reason },
  );
}

export async function runTerraform(
  session: TerraformSession,
  args: readonly string[],
  handling: OutputHandling,
): Promise<TerraformOutcome> {
  const { ctx } = session;
  const argv = [session.binary, ...args];
  const display = argv.map((argument) => ctx.redact(argument)).join(' ');
  const what = `\`${display}\` (${describeStep(session)})`;
  if (ctx.signal.aborted) throw notStartedError(ctx.signal, ctx.redact, what, 'Nothing was changed.');

  const tail = new OutputTail();
  const diagnostics: Diagnostic[] = [];
  let changes: ChangeCounts | undefined;
  const show = (line: string): void => {
    const redacted = ctx.redact(line);
    ctx.log(redacted);
    tail.push(redacted);
  };
  const onLine = (line: string): void => {
    if (handling === 'quiet') return;
    if (handling === 'text') {
      if (line.trim() !== '') show(line);
      return;
    }
    const message = readMachineLine(line);
    message.lines.forEach(show);
    if (message.diagnostic) diagnostics.push(message.diagnostic);
    if (message.changes) changes = message.changes;
  };

  ctx.log(`$ ${display}`);
  const outcome: ProcessOutcome = await runProcess(argv, {
    cwd: session.moduleDir,
    env: session.env,
    signal: ctx.signal,
    onLine,
    captureStdout: handling === 'quiet',
    killGraceMs: TERRAFORM_KILL_GRACE_MS,
    programs: ctx.programs,
    stepId: ctx.stepId,
  }).catch((error: unknown) => {
    throw startFailed(session, what, error);
  });
  if (handling === 'quiet') outcome.stderrTail.forEach(show);
  if (outcome.aborted) throw stopped(session, what, outcome.durationMs);
  return {
    subcommand: args[0] ?? '',
    display,
    exitCode: outcome.exitCode,
    exitSignal: outcome.exitSignal,
    durationMs: outcome.durationMs,
    stdout: outcome.stdout,
    tail: tail.lines,
    diagnostics,
    changes,
  };
}
