/**
 * Reading and patching the three workload kinds whose pods run an image
 * Baton promotes, in one cluster. Each call carries the step's abort signal.
 */
import { AppsV1Api, type V1Container } from '@kubernetes/client-node';
import type { AdapterContext } from '../../kit/contract.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { clusterStepError, type ApiCall } from '../cluster/failures.ts';
import type { Cluster } from '../cluster/kube-config.ts';
import { callOptions, strategicMergePatchOptions } from '../cluster/request-options.ts';
import type { Workload } from './rollout-status.ts';
import type { DirectSettings, WorkloadKind } from './schema.ts';

const PLURALS: Record<WorkloadKind, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
};

export interface WorkloadClient {
  cluster: Cluster;
  /** "deployment shop/api". */
  display: string;
  /** The collection the workload lives in, for watches. */
  collectionPath: string;
  read(signal: AbortSignal): Promise<Workload>;
  patch(body: object, signal: AbortSignal): Promise<Workload>;
  /** The step error for a failed call; `verb` is Kubernetes' (get, patch) for RBAC advice. */
  failure(error: unknown, verb: 'get' | 'patch'): Error;
}

export function workloadClient(ctx: AdapterContext<DirectSettings>, cluster: Cluster): WorkloadClient {
  const { kind, namespace, name } = ctx.config;
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const display = `${kind.toLowerCase()} ${namespace}/${name}`;
  const request = { name, namespace };
  const read = (signal: AbortSignal): Promise<Workload> => {
    switch (kind) {
      case 'Deployment':
        return apps.readNamespacedDeployment(request, callOptions(signal));
      case 'StatefulSet':
        return apps.readNamespacedStatefulSet(request, callOptions(signal));
      case 'DaemonSet':
        return apps.readNamespacedDaemonSet(request, callOptions(signal));
    }
  };
  const patch = (body: object, signal: AbortSignal): Promise<Workload> => {
    const options = strategicMergePatchOptions(signal);
    switch (kind) {
      case 'Deployment':
        return apps.patchNamespacedDeployment({ ...request, body }, options);
      case 'StatefulSet':
        return apps.patchNamespacedStatefulSet({ ...request, body }, options);
      case 'DaemonSet':
        return apps.patchNamespacedDaemonSet({ ...request, body }, options);
    }
  };
  const failure = (error: unknown, verb: 'get' | 'patch'): Error => {
    const call: ApiCall = {
      action: `${verb === 'get' ? 'read' : 'change'} ${display}`,
      cluster: cluster.label,
      verb,
      resource: `${PLURALS[kind]}.apps`,
      namespace,
      redact: ctx.redact,
    };
    return clusterStepError(error, call);
  };
  return {
    cluster,
    display,
    collectionPath: `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${PLURALS[kind]}`,
    read,
    patch,
    failure,
  };
}

/** The container whose image Baton promotes: the one named in `container`, or the only one. */
export function promotedContainer(settings: DirectSettings, workload: Workload, client: WorkloadClient): V1Container {
  const containers = workload.spec?.template.spec?.containers ?? [];
  const names = containers.map((container) => container.name).join(', ') || 'none';
  if (settings.container !== undefined) {
    const found = containers.find((container) => container.name === settings.container);
    if (found) return found;
    throw new TerminalStepError(
      `${client.display} (cluster ${client.cluster.label}) has no container named ${settings.container} ` +
        `(it has: ${names}). Fix \`container\`.`,
    );
  }
  const [only, ...others] = containers;
  if (only === undefined || others.length > 0) {
    throw new TerminalStepError(
      `${client.display} (cluster ${client.cluster.label}) has ${containers.length} containers (${names}): ` +
        'set `container` to the one that runs the promoted image.',
    );
  }
  return only;
}
