/**
 * The clusters one component runs in (e.g. two regions), and running a
 * piece of work on each: one after the other, stopping at the first failure
 * so later clusters keep the old version, or all at once.
 */
import { errorMessage } from '../../../src/errors.ts';
import type { AdapterContext } from '../../kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../../kit/step-errors.ts';
import { clusterLabel, connectCluster } from '../cluster/kube-config.ts';
import type { ClusterAccess } from '../settings-parts.ts';
import type { DirectSettings } from './schema.ts';
import { workloadClient, type WorkloadClient } from './workloads.ts';

export interface ClusterTarget {
  access: ClusterAccess;
  /** Unique among the targets: the context, the kubeconfig file, or "in-cluster", numbered when repeated. */
  label: string;
}

function clusterTargets(settings: DirectSettings): ClusterTarget[] {
  const accesses: ClusterAccess[] = settings.targets ?? [
    { kubeconfig: settings.kubeconfig, context: settings.context },
  ];
  const seen = new Map<string, number>();
  return accesses.map((access) => {
    const base = clusterLabel(access);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return { access, label: count === 1 ? base : `${base} #${count}` };
  });
}

export function connectTarget(ctx: AdapterContext<DirectSettings>, target: ClusterTarget): WorkloadClient {
  const cluster = connectCluster(target.access, ctx.configDir);
  return workloadClient(ctx, { ...cluster, label: target.label });
}

export interface TargetOutcome<T> {
  label: string;
  value: T;
}

function combinedError(ctx: AdapterContext<DirectSettings>, lines: string[], errors: unknown[]): Error {
  const message = ctx.redact(lines.join('\n'));
  // Another attempt helps only if every failure might pass on its own.
  return errors.every((error) => error instanceof RetryableStepError)
    ? new RetryableStepError(message)
    : new TerminalStepError(message);
}

/**
 * Runs `work` on every target. In order, the first failure stops the rest and
 * the error says which clusters were done and which were not started.
 */
export async function onEachTarget<T>(
  ctx: AdapterContext<DirectSettings>,
  parallel: boolean,
  work: (target: ClusterTarget) => Promise<T>,
): Promise<TargetOutcome<T>[]> {
  const targets = clusterTargets(ctx.config);
  if (targets.length === 1 && targets[0]) return [{ label: targets[0].label, value: await work(targets[0]) }];
  if (parallel) {
    const settled = await Promise.allSettled(targets.map((target) => work(target)));
    const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length === 0) {
      return settled.map((result, index) => ({
        label: targets[index]?.label ?? '',
        value: (result as PromiseFulfilledResult<T>).value,
      }));
    }
    const lines = settled.map((result, index) =>
      result.status === 'fulfilled'
        ? `${targets[index]?.label}: done`
        : `${targets[index]?.label}: ${errorMessage(result.reason)}`,
    );
    throw combinedError(ctx, [`${failures.length} of ${targets.length} clusters failed:`, ...lines], failures);
  }
  const done: TargetOutcome<T>[] = [];
  for (const [index, target] of targets.entries()) {
    try {
      done.push({ label: target.label, value: await work(target) });
    } catch (error) {
      const notStarted = targets.slice(index + 1).map((rest) => rest.label);
      throw combinedError(
        ctx,
        [
          `${target.label}: ${errorMessage(error)}`,
          done.length > 0
            ? `Done before it: ${done.map((entry) => entry.label).join(', ')}.`
            : 'No cluster was done before it.',
          notStarted.length > 0 ? `Not started: ${notStarted.join(', ')} (they keep what they ran).` : '',
        ].filter((line) => line !== ''),
        [error],
      );
    }
  }
  return done;
}
