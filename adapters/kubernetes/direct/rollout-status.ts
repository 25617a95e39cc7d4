/**
 * Whether a workload has finished rolling out, judged the way
 * `kubectl rollout status` judges it, so Baton and kubectl never disagree.
 */
import type { V1DaemonSet, V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { Verdict } from '../cluster/watch-until.ts';
import type { WorkloadKind } from './schema.ts';

export type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

const waiting = (message: string): Verdict => ({ state: 'waiting', message });

/** A paused Deployment never progresses; waiting for it would only run into the timeout. */
function deploymentVerdict(deployment: V1Deployment, name: string): Verdict {
  const verdict = deploymentProgress(deployment, name);
  if (verdict.state !== 'waiting' || deployment.spec?.paused !== true) return verdict;
  return {
    state: 'failed',
    message: `deployment ${name} is paused, so its rollout cannot progress (${verdict.message}); resume it with kubectl rollout resume`,
  };
}

function deploymentProgress(deployment: V1Deployment, name: string): Verdict {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if (generation > (status.observedGeneration ?? 0))
    return waiting(`waiting for deployment ${name}'s new spec to be observed`);
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      message: `deployment ${name} exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}`,
    };
  }
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < wanted) return waiting(`deployment ${name}: ${updated} of ${wanted} new replicas updated`);
  const total = status.replicas ?? 0;
  if (total > updated) {
    const old = total - updated;
    return waiting(`deployment ${name}: ${old} old replica${old === 1 ? '' : 's'} pending termination`);
  }
  const available = status.availableReplicas ?? 0;
  if (available < updated) return waiting(`deployment ${name}: ${available} of ${updated} updated replicas available`);
  return {
    state: 'done',
    message: `deployment ${name} rolled out: ${updated} of ${wanted} replicas updated and available`,
  };
}

function statefulSetVerdict(statefulSet: V1StatefulSet, name: string): Verdict {
  const strategy = statefulSet.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    return {
      state: 'failed',
      message: `statefulset ${name} uses the ${strategy} update strategy: its pods only change when deleted, so there is no rollout to wait for`,
    };
  }
  const status = statefulSet.status;
  const observed = status?.observedGeneration ?? 0;
  if (status === undefined || observed === 0 || (statefulSet.metadata?.generation ?? 0) > observed) {
    return waiting(`waiting for statefulset ${name}'s new spec to be observed`);
  }
  const wanted = statefulSet.spec?.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  if (ready < wanted) return waiting(`statefulset ${name}: ${ready} of ${wanted} pods ready`);
  const partition = statefulSet.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const updated = status.updatedReplicas ?? 0;
    const toUpdate = wanted - partition;
    if (updated < toUpdate)
      return waiting(`statefulset ${name}: partitioned rollout, ${updated} of ${toUpdate} new pods updated`);
    return { state: 'done', message: `statefulset ${name}: partitioned rollout done, ${updated} new pods` };
  }
  if (status.updateRevision !== status.currentRevision) {
    return waiting(
      `statefulset ${name}: rolling update to revision ${status.updateRevision ?? '?'}, ${status.updatedReplicas ?? 0} of ${wanted} pods updated`,
    );
  }
  return {
    state: 'done',
    message: `statefulset ${name} rolled out: ${wanted} pods at revision ${status.currentRevision ?? '?'}`,
  };
}

function daemonSetVerdict(daemonSet: V1DaemonSet, name: string): Verdict {
  const strategy = daemonSet.spec?.updateStrategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate') {
    return {
      state: 'failed',
      message: `daemonset ${name} uses the ${strategy} update strategy: its pods only change when deleted, so there is no rollout to wait for`,
    };
  }
  const status = daemonSet.status;
  if ((daemonSet.metadata?.generation ?? 0) > (status?.observedGeneration ?? 0)) {
    return waiting(`waiting for daemonset ${name}'s new spec to be observed`);
  }
  const desired = status?.desiredNumberScheduled ?? 0;
  const updated = status?.updatedNumberScheduled ?? 0;
  if (updated < desired) return waiting(`daemonset ${name}: ${updated} of ${desired} new pods updated`);
  const available = status?.numberAvailable ?? 0;
  if (available < desired) return waiting(`daemonset ${name}: ${available} of ${desired} updated pods available`);
  return { state: 'done', message: `daemonset ${name} rolled out: ${desired} pods updated and available` };
}

export function rolloutVerdict(kind: WorkloadKind, workload: Workload, name: string): Verdict {
  switch (kind) {
    case 'Deployment':
      return deploymentVerdict(workload as V1Deployment, name);
    case 'StatefulSet':
      return statefulSetVerdict(workload as V1StatefulSet, name);
    case 'DaemonSet':
      return daemonSetVerdict(workload as V1DaemonSet, name);
  }
}
