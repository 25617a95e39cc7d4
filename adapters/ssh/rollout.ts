/**
 * Rolling execution: the command runs on `batchSize` hosts at once, the next
 * batch starts when the whole batch succeeded, and the first failed batch
 * stops the rollout so later hosts are never touched. A failure says which
 * hosts changed, which failed and which were left alone.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { formatElapsed } from '../kit/durations.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { abortReason } from '../kit/stopped.ts';
import type { LoginSettings } from './connect.ts';
import type { HostAddress } from './host-address.ts';
import { describeCommand, explainHostRun, hostNames } from './failures.ts';
import { runOnHost, type HostCommand, type HostRun } from './host-run.ts';
import type { SshConfig } from './schema.ts';

type SshContext = AdapterContext<SshConfig>;

export interface RolloutResult {
  batchCount: number;
  durationMs: number;
}

export function batchesOf<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

function stateOfHosts(runs: readonly HostRun[], untouched: readonly HostAddress[]): string {
  const hostsWhere = (status: HostRun['status']): HostAddress[] =>
    runs.filter((run) => run.status === status).map((run) => run.host);
  const partly = [...hostsWhere('failed'), ...hostsWhere('stopped')];
  const parts = [
    `Changed (the command exited 0): ${hostNames(hostsWhere('succeeded')) || 'none'}.`,
    partly.length > 0
      ? `May be partly changed (the command started but did not finish well): ${hostNames(partly)}.`
      : undefined,
    `Not changed: ${hostNames([...hostsWhere('not-run'), ...untouched]) || 'none'}.`,
  ];
  return parts.filter((part) => part !== undefined).join('\n');
}

function stoppedError(
  ctx: SshContext,
  command: HostCommand,
  runs: HostRun[],
  untouched: HostAddress[],
  when: string,
): TerminalStepError {
  const stopped = runs.filter((run) => run.status === 'stopped');
  return new TerminalStepError(
    ctx.redact(
      `${describeCommand(ctx, command)} was stopped ${when}: the step was cancelled or timed out (${abortReason(ctx.signal)}).` +
        (stopped.length > 0
          ? ` Baton stopped the running command on ${hostNames(stopped.map((run) => run.host))}.`
          : '') +
        `\n${stateOfHosts(runs, untouched)}\n` +
        'Check the step log and the hosts, then run the promotion again or roll back.',
    ),
    { cause: ctx.signal.reason },
  );
}

function failedBatchError(
  ctx: SshContext,
  command: HostCommand,
  runs: HostRun[],
  untouched: HostAddress[],
  where: string,
): RetryableStepError | TerminalStepError {
  const failed = runs.filter((run) => run.status === 'failed' || run.status === 'not-run');
  const retryable = failed.every((run) => run.retryable);
  const message = ctx.redact(
    `${describeCommand(ctx, command)} failed on ${hostNames(failed.map((run) => run.host))}${where === '' ? '' : ` ${where}`}` +
      (untouched.length > 0 ? ', so Baton stopped before the next batch.\n' : '.\n') +
      `${failed.map(explainHostRun).join('\n')}\n` +
      `${stateOfHosts(runs, untouched)}\n` +
      (retryable
        ? 'Another attempt may pass: Baton will try the step again, running the command again on every host with the same BATON_STEP_ID.'
        : 'Fix the cause (the full output is in the step log), then run the promotion again or roll back.'),
  );
  return retryable ? new RetryableStepError(message) : new TerminalStepError(message);
}

export async function rollOut(
  ctx: SshContext,
  login: LoginSettings,
  hosts: readonly HostAddress[],
  command: HostCommand,
): Promise<RolloutResult> {
  const startedAt = performance.now();
  const batches = batchesOf(hosts, ctx.config.batchSize ?? 1);
  const runs: HostRun[] = [];
  for (const [index, batch] of batches.entries()) {
    const where = batches.length > 1 ? `in batch ${index + 1} of ${batches.length}` : '';
    const untouched = batches.slice(index + 1).flat();
    if (ctx.signal.aborted) {
      const when = index === 0 ? 'before it started on any host' : `before batch ${index + 1} of ${batches.length}`;
      throw stoppedError(ctx, command, runs, [...batch, ...untouched], when);
    }
    const batchRuns = await Promise.all(batch.map((host) => runOnHost(ctx, login, host, command)));
    runs.push(...batchRuns);
    const allSucceeded = batchRuns.every((run) => run.status === 'succeeded');
    if (batchRuns.some((run) => run.status === 'stopped') || (ctx.signal.aborted && !allSucceeded)) {
      throw stoppedError(ctx, command, runs, untouched, where === '' ? 'while it ran' : `while it ran ${where}`);
    }
    if (!allSucceeded) throw failedBatchError(ctx, command, runs, untouched, where);
  }
  return { batchCount: batches.length, durationMs: performance.now() - startedAt };
}

export function rolloutSummary(hosts: readonly HostAddress[], result: RolloutResult): string {
  const hostCount = hosts.length === 1 ? '1 host' : `${hosts.length} hosts`;
  const batchCount = result.batchCount === 1 ? '1 batch' : `${result.batchCount} batches`;
  return `on ${hostCount} in ${batchCount}, all exited 0 (${formatElapsed(result.durationMs)})`;
}
