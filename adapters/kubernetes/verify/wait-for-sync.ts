/**
 * The gitops gate after apply: wait until Argo CD or Flux has deployed the
 * pushed commit and reports it healthy, with progress in the step log.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { AdapterContext, Health } from '../../kit/contract.ts';
import { parseDuration } from '../../kit/durations.ts';
import { clusterStepError } from '../cluster/failures.ts';
import { connectCluster } from '../cluster/kube-config.ts';
import { callOptions } from '../cluster/request-options.ts';
import { watchUntil, type Verdict } from '../cluster/watch-until.ts';
import type { GitopsSettings } from '../gitops/schema.ts';
import { ARGOCD_APPLICATION, judgeArgoApplication, type ArgoApplication } from './argocd.ts';
import { FLUX_KUSTOMIZATION, judgeFluxKustomization, type FluxKustomization } from './flux.ts';
import { revisionCheck, syncTargetCommit, type RevisionCheck } from './revision.ts';

type GitopsContext = AdapterContext<GitopsSettings>;
type Watched = ArgoApplication | FluxKustomization;

interface Controller {
  resource: { group: string; version: string; plural: string };
  /** "Argo CD application argocd/api-production". */
  display: string;
  namespace: string;
  name: string;
  judge(object: Watched, commit: string, reached: RevisionCheck): Promise<Verdict>;
  /** What to look at when it fails or takes too long. */
  hint: string;
}

function controllerOf(settings: GitopsSettings): Controller | null {
  if (settings.argocd) {
    const { application, namespace } = settings.argocd;
    return {
      resource: ARGOCD_APPLICATION,
      display: `Argo CD application ${namespace}/${application}`,
      namespace,
      name: application,
      judge: (object, commit, reached) => judgeArgoApplication(object as ArgoApplication, application, commit, reached),
      hint: `argocd app get ${application} --app-namespace ${namespace}`,
    };
  }
  if (settings.flux) {
    const { kustomization, namespace } = settings.flux;
    return {
      resource: FLUX_KUSTOMIZATION,
      display: `Flux Kustomization ${namespace}/${kustomization}`,
      namespace,
      name: kustomization,
      judge: (object, commit, reached) =>
        judgeFluxKustomization(object as FluxKustomization, kustomization, commit, reached),
      hint: `flux get kustomization ${kustomization} -n ${namespace}`,
    };
  }
  return null;
}

export async function verifyGitops(ctx: GitopsContext): Promise<Health> {
  const controller = controllerOf(ctx.config);
  if (controller === null) {
    return {
      healthy: true,
      message: 'no argocd or flux setting: the commit is pushed, and Baton does not wait for a sync',
    };
  }
  const commit = await syncTargetCommit(ctx);
  const cluster = connectCluster(ctx.config, ctx.configDir);
  const objects = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = controller.resource;
  const reached = revisionCheck(ctx, commit);
  ctx.log(`waiting up to ${ctx.config.verifyTimeout} for ${controller.display} to deploy ${commit.slice(0, 7)}`);
  const result = await watchUntil<Watched>({
    kubeConfig: cluster.kubeConfig,
    collectionPath: `/apis/${group}/${version}/namespaces/${encodeURIComponent(controller.namespace)}/${plural}`,
    name: controller.name,
    read: (signal) =>
      objects.getNamespacedCustomObject(
        { group, version, plural, namespace: controller.namespace, name: controller.name },
        callOptions(signal),
      ) as Promise<Watched>,
    judge: (object) => controller.judge(object, commit, reached),
    timeoutMs: parseDuration(ctx.config.verifyTimeout),
    signal: ctx.signal,
    onProgress: ctx.log,
    readFailed: (error) =>
      clusterStepError(error, {
        action: `read ${controller.display}`,
        cluster: cluster.label,
        verb: 'get',
        resource: `${plural}.${group}`,
        namespace: controller.namespace,
        redact: ctx.redact,
      }),
  });
  switch (result.outcome) {
    case 'done':
      return { healthy: true, message: ctx.redact(`${result.message}: deployed ${commit.slice(0, 7)}`) };
    case 'failed':
      return {
        healthy: false,
        message: ctx.redact(
          `${result.message}. Look at ${controller.hint}, then roll back or promote a fixed version.`,
        ),
      };
    case 'timed-out':
      return {
        healthy: false,
        message: ctx.redact(
          `${controller.display} had not deployed ${commit.slice(0, 7)} healthy after ${ctx.config.verifyTimeout} (\`verifyTimeout\`); ` +
            `last seen: ${result.message}. Look at ${controller.hint}; the commit stays on ${ctx.config.branch}.`,
        ),
      };
  }
}
