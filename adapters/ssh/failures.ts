/**
 * How failures on hosts read in step errors: which host, what happened, its
 * last output lines, and what to do next.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { stoppedError } from '../kit/stopped.ts';
import type { HostCommand, HostRun } from './host-run.ts';
import type { SshConfig } from './schema.ts';

/** "`/opt/app/deploy.sh 1.4.2` (command of api in production)" */
export function describeCommand(ctx: AdapterContext<SshConfig>, command: HostCommand): string {
  return `\`${command.argv.join(' ')}\` (${command.setting} of ${ctx.component} in ${ctx.environment})`;
}

export function hostNames(hosts: readonly { entry: string }[]): string {
  return hosts.map((host) => host.entry).join(', ');
}

export function explainHostRun(run: HostRun): string {
  const lines = [`  ${run.host.entry}: ${run.reason}`];
  const tail = run.outcome?.tail ?? [];
  if (tail.length > 0) lines.push(`  Last lines from ${run.host.entry}:`, ...tail.map((line) => `    ${line}`));
  if (run.advice !== '') lines.push(`  ${run.advice}`);
  return lines.join('\n');
}

/**
 * For commands that only look (`currentCommand`, the checks of a plan):
 * nothing changed, so the only question is whether trying again could help.
 */
export function lookFailedError(
  ctx: AdapterContext<SshConfig>,
  what: string,
  failed: readonly HostRun[],
): RetryableStepError | TerminalStepError {
  if (ctx.signal.aborted) {
    return stoppedError(ctx.signal, what, ctx.redact);
  }
  const retryable = failed.every((run) => run.retryable);
  const message = ctx.redact(
    `${what} failed on ${hostNames(failed.map((run) => run.host))}.\n${failed.map(explainHostRun).join('\n')}`,
  );
  return retryable ? new RetryableStepError(message) : new TerminalStepError(message);
}
