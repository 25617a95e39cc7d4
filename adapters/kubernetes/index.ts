/**
 * The `kubernetes` adapter: promotes an image version either through the
 * environment's config in Git (gitops mode, for Argo CD and Flux users) or by
 * patching the workload in the cluster (direct mode).
 */
import { BatonError } from '../../src/errors.ts';
import type { AdapterContext, Health, Observed, StepPreview, StepResult, TargetAdapter } from '../kit/contract.ts';
import { stoppedError, throwIfStopped } from '../kit/stopped.ts';
import type { DirectSettings } from './direct/schema.ts';
import type { GitopsSettings } from './gitops/schema.ts';
import { kubernetesSettingsSchema, type KubernetesSettings } from './schema.ts';

/*
 * Each mode's code is loaded the first time a step uses it: the Kubernetes
 * client library behind direct mode and the Argo CD sync check is some 40 MB
 * of heap, which a bot with no kubernetes component should not carry.
 */
const direct = () => import('./direct/operations.ts');
const gitops = () => import('./gitops/operations.ts');
const gitopsCheck = () => import('./verify/wait-for-sync.ts');

type KubernetesContext = AdapterContext<KubernetesSettings>;

interface ModeHandlers<T> {
  gitops(ctx: AdapterContext<GitopsSettings>): Promise<T>;
  direct(ctx: AdapterContext<DirectSettings>): Promise<T>;
}

/**
 * Runs the mode's handler. Whatever escapes after the step was stopped (a
 * killed git, an aborted request) is reported as the stop it is.
 */
async function byMode<T>(ctx: KubernetesContext, what: string, handlers: ModeHandlers<T>): Promise<T> {
  try {
    return ctx.config.mode === 'gitops'
      ? await handlers.gitops(ctx as AdapterContext<GitopsSettings>)
      : await handlers.direct(ctx as AdapterContext<DirectSettings>);
  } catch (error) {
    if (ctx.signal.aborted && !(error instanceof BatonError)) throw stoppedError(ctx.signal, what, ctx.redact);
    throw error;
  }
}

function current(ctx: KubernetesContext): Promise<Observed> {
  return byMode(ctx, `Reading what ${ctx.component} runs in ${ctx.environment}`, {
    gitops: async (gitopsCtx) => (await gitops()).current(gitopsCtx),
    direct: async (directCtx) => (await direct()).current(directCtx),
  });
}

function plan(ctx: KubernetesContext): Promise<StepPreview> {
  return byMode(ctx, `Planning ${ctx.component} ${ctx.version}`, {
    gitops: async (gitopsCtx) => (await gitops()).plan(gitopsCtx),
    direct: async (directCtx) => (await direct()).plan(directCtx),
  });
}

async function apply(ctx: KubernetesContext): Promise<StepResult> {
  const what = `Promoting ${ctx.component} ${ctx.version} to ${ctx.environment}`;
  throwIfStopped(ctx.signal, what, ctx.redact);
  return byMode(ctx, what, {
    gitops: async (gitopsCtx) => (await gitops()).apply(gitopsCtx),
    direct: async (directCtx) => (await direct()).apply(directCtx),
  });
}

function verify(ctx: KubernetesContext): Promise<Health> {
  return byMode(ctx, `Verifying ${ctx.component} ${ctx.version}`, {
    gitops: async (gitopsCtx) => (await gitopsCheck()).verifyGitops(gitopsCtx),
    direct: async (directCtx) => (await direct()).verify(directCtx),
  });
}

async function rollback(ctx: KubernetesContext, before: Observed): Promise<StepResult> {
  const what = `Rolling back ${ctx.component} in ${ctx.environment}`;
  throwIfStopped(ctx.signal, what, ctx.redact);
  return byMode(ctx, what, {
    gitops: async (gitopsCtx) => (await gitops()).rollback(gitopsCtx, before),
    direct: async (directCtx) => (await direct()).rollback(directCtx, before),
  });
}

export const kubernetesAdapter: TargetAdapter<KubernetesSettings> = {
  kind: 'kubernetes',
  description:
    'Promotes an image version on Kubernetes: by a commit to the config repository that Argo CD or Flux deploys (gitops), or by patching the workload and waiting for its rollout (direct).',
  config: kubernetesSettingsSchema,
  // Waiting for a sync or a rollout takes minutes; the waits have their own, shorter limits.
  step: { timeoutMs: 30 * 60_000, retries: 2 },
  current,
  plan,
  apply,
  verify,
  rollback,
};
