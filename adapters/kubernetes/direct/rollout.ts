/**
 * Waits for a workload's rollout in one cluster, logging its progress, and
 * says what to do when it fails or takes too long.
 */
import type { AdapterContext } from '../../kit/contract.ts';
import { parseDuration } from '../../kit/durations.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { watchUntil, type WatchResult } from '../cluster/watch-until.ts';
import { rolloutVerdict } from './rollout-status.ts';
import type { DirectSettings } from './schema.ts';
import type { WorkloadClient } from './workloads.ts';

export function waitForRollout(ctx: AdapterContext<DirectSettings>, client: WorkloadClient): Promise<WatchResult> {
  const { kind, name } = ctx.config;
  return watchUntil({
    kubeConfig: client.cluster.kubeConfig,
    collectionPath: client.collectionPath,
    name,
    read: (signal) => client.read(signal),
    judge: (workload) => rolloutVerdict(kind, workload, `${ctx.config.namespace}/${name}`),
    timeoutMs: parseDuration(ctx.config.rolloutTimeout),
    signal: ctx.signal,
    onProgress: (message) => ctx.log(`${client.cluster.label}: ${message}`),
    readFailed: (error) => client.failure(error, 'get'),
  });
}

function kubectlHint(ctx: AdapterContext<DirectSettings>, client: WorkloadClient): string {
  const { kind, namespace, name } = ctx.config;
  return `kubectl --context ${client.cluster.label} -n ${namespace} rollout status ${kind.toLowerCase()}/${name}`;
}

/** Throws unless the rollout finished. */
export function requireRolledOut(
  ctx: AdapterContext<DirectSettings>,
  client: WorkloadClient,
  result: WatchResult,
  image: string,
): void {
  if (result.outcome === 'done') return;
  const problem =
    result.outcome === 'failed'
      ? `${client.display} did not roll out ${image}: ${result.message}.`
      : `${client.display} had not finished rolling out ${image} after ${ctx.config.rolloutTimeout} (\`rolloutTimeout\`); last seen: ${result.message}.`;
  throw new TerminalStepError(
    ctx.redact(
      `${problem} The new image stays in place. Look at the pods and their events (${kubectlHint(ctx, client)}), ` +
        'then roll back or promote a fixed version.',
    ),
  );
}
