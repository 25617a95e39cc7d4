/**
 * Turns a Terraform command that ended badly into a step error a person can
 * act on, and decides whether another attempt could pass.
 */
import { formatElapsed } from '../kit/durations.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { describeStep, type TerraformSession } from './session.ts';
import type { TerraformOutcome } from './terraform-process.ts';

const LOCK_HELD = /Error acquiring the state lock/i;

/**
 * Failures reaching a registry, a backend or a provider API. Only read-only
 * commands are retried on them: an apply may have changed resources first.
 */
const NETWORK_TROUBLE =
  /dial tcp|connection refused|connection reset|i\/o timeout|TLS handshake timeout|no such host|temporary failure in name resolution|context deadline exceeded|timeout awaiting response headers|too many requests|\b50[234]\b/i;

type FailureKind = 'lock-held' | 'network' | 'apply' | 'init' | 'other';

function everything(outcome: TerraformOutcome): string {
  return [
    ...outcome.tail,
    ...outcome.diagnostics.flatMap((diagnostic) => [diagnostic.summary, diagnostic.detail]),
  ].join('\n');
}

function failureKind(outcome: TerraformOutcome): FailureKind {
  const text = everything(outcome);
  const subcommand = outcome.subcommand;
  // Terraform takes the lock before changing anything, so a lock refusal is safe to retry even for apply.
  if (LOCK_HELD.test(text)) return 'lock-held';
  if (subcommand === 'apply') return 'apply';
  if (NETWORK_TROUBLE.test(text)) return 'network';
  return subcommand === 'init' ? 'init' : 'other';
}

function advice(session: TerraformSession, kind: FailureKind): string {
  switch (kind) {
    case 'lock-held':
      return (
        `Another Terraform run holds the state lock of workspace ${session.workspace} (see "Lock Info" above); ` +
        `Baton tries the step again. If no other run is active, a crashed run left the lock behind: release it with ` +
        `\`terraform force-unlock <ID>\` in ${session.moduleDir}, or raise \`lockTimeout\` to wait longer.`
      );
    case 'network':
      return 'This looks like a network problem reaching a registry, the state backend or a provider API; Baton tries the step again.';
    case 'apply':
      return (
        `Terraform may have changed some resources before it failed; the state of workspace ${session.workspace} records what was done. ` +
        'Fix the cause (the full output is in the step log), then request the promotion again: its plan will show what is left to do.'
      );
    case 'init':
      return (
        `Terraform could not prepare ${session.moduleDir} (its providers, modules or backend). ` +
        'Fix the cause (the full output is in the step log), then request the promotion again.'
      );
    case 'other':
      return "Fix the module or the component's settings (the full output is in the step log), then request the promotion again.";
  }
}

function describeEnding(outcome: TerraformOutcome): string {
  const ending =
    outcome.exitSignal !== null
      ? `was killed by signal ${outcome.exitSignal}`
      : `failed with exit code ${outcome.exitCode}`;
  return `${ending} after ${formatElapsed(outcome.durationMs)}`;
}

function quoteTail(outcome: TerraformOutcome): string {
  return outcome.tail.length === 0 ? 'It wrote nothing.' : `Last lines:\n  ${outcome.tail.join('\n  ')}`;
}

/** The error for a command that ran and did not end as expected. */
export function commandFailed(
  session: TerraformSession,
  outcome: TerraformOutcome,
): TerminalStepError | RetryableStepError {
  const kind = failureKind(outcome);
  const message = session.ctx.redact(
    `\`${outcome.display}\` (${describeStep(session)}) ${describeEnding(outcome)}.\n` +
      `${quoteTail(outcome)}\n${advice(session, kind)}`,
  );
  return kind === 'lock-held' || kind === 'network' ? new RetryableStepError(message) : new TerminalStepError(message);
}

/** Runs after a command: throws unless it exited with one of `expected` (0 by default). */
export function requireExit(
  session: TerraformSession,
  outcome: TerraformOutcome,
  expected: readonly number[] = [0],
): TerraformOutcome {
  if (outcome.exitCode !== null && expected.includes(outcome.exitCode)) return outcome;
  throw commandFailed(session, outcome);
}
