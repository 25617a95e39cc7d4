/**
 * The gitops gate after apply: a real git repository for the commit, and a
 * Kubernetes API stand-in holding the Argo CD Application or Flux
 * Kustomization, whose status the test moves the way the controllers do.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { kubernetesAdapter } from '../../../adapters/kubernetes/index.ts';
import type { KubernetesSettings } from '../../../adapters/kubernetes/schema.ts';
import { RESOURCES, type KubernetesStandIn } from '../../harness/kubernetes/api-server.ts';
import type { Json } from '../../harness/kubernetes/patches.ts';
import { ignoreUserGitConfig, makeConfigRepository, type ConfigRepository } from '../../support/config-repository.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';
import { startClusters, type Clusters } from './clusters.ts';
import { DEV_OVERLAY, SEED_FILES } from './seed-files.ts';

beforeAll(ignoreUserGitConfig);

const APPLICATION = RESOURCES.Application;
const KUSTOMIZATION = RESOURCES.Kustomization;

function short(commit: string): string {
  return commit.slice(0, 7);
}

async function waitForLog(ctx: TestAdapterContext<unknown>, pattern: RegExp, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!ctx.logged.some((line) => pattern.test(line))) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`no log line matched ${pattern}; logged:\n${ctx.logged.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('kubernetes adapter: verify in gitops mode', () => {
  let repo: ConfigRepository;
  let clusters: Clusters;
  let cluster: KubernetesStandIn;
  let seed: string;

  beforeEach(async () => {
    repo = makeConfigRepository(SEED_FILES);
    seed = repo.commits()[0] ?? '';
    clusters = await startClusters(['ops']);
    cluster = clusters.cluster('ops');
  });

  afterEach(async () => {
    await clusters.close();
    await repo.remove();
  });

  function context(settings: Record<string, unknown>, overrides: Partial<AdapterContext<KubernetesSettings>> = {}) {
    return makeAdapterContext({
      config: kubernetesAdapter.config.parse({
        mode: 'gitops',
        repo: repo.remote,
        path: 'apps/api/overlays/dev',
        edit: { kustomizeImage: { name: 'ghcr.io/acme/api' } },
        kubeconfig: clusters.kubeconfig,
        context: 'ops',
        verifyTimeout: '20s',
        ...settings,
      }),
      workDir: join(repo.root, 'work'),
      configDir: repo.root,
      stepId: 'step-api-dev',
      version: '2.0.0',
      ...overrides,
    });
  }

  function application(status: Json): void {
    cluster.putObject(APPLICATION, 'argocd', 'api-dev', {
      spec: { source: { repoURL: repo.remote, path: 'apps/api/overlays/dev', targetRevision: 'main' } },
      status,
    });
  }

  const argo = { argocd: { application: 'api-dev' } };

  describe('with Argo CD', () => {
    it('waits through OutOfSync and Progressing until the pushed commit is Synced and Healthy', async () => {
      application({
        sync: { status: 'Synced', revision: seed },
        health: { status: 'Degraded', message: 'an old problem' },
      });
      const ctx = context(argo);
      const { outputs } = await kubernetesAdapter.apply(ctx);
      const commit = outputs.commit ?? '';

      const verifying = kubernetesAdapter.verify?.(ctx);
      await waitForLog(ctx, /waiting for it to sync/);
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'OutOfSync', revision: seed },
        health: { status: 'Healthy' },
      });
      await waitForLog(ctx, /OutOfSync, Healthy/);
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'Synced', revision: commit },
        health: { status: 'Progressing' },
      });
      await waitForLog(ctx, /Synced, Progressing at/);
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'Synced', revision: commit },
        health: { status: 'Healthy' },
      });

      expect(await verifying).toEqual({
        healthy: true,
        message: `Argo CD application api-dev: Synced, Healthy at ${short(commit)}: deployed ${short(commit)}`,
      });
      expect(ctx.logged).toEqual(
        expect.arrayContaining([
          `waiting up to 20s for Argo CD application argocd/api-dev to deploy ${short(commit)}`,
          `Argo CD application api-dev: Synced, Degraded, at ${short(seed)}; waiting for it to sync ${short(commit)}`,
          `Argo CD application api-dev: OutOfSync, Healthy, at ${short(seed)}; waiting for it to sync ${short(commit)}`,
          `Argo CD application api-dev: Synced, Progressing at ${short(commit)}`,
        ]),
      );
    });

    it("fails with the app's own message when it turns Degraded at the pushed commit", async () => {
      application({ sync: { status: 'OutOfSync', revision: seed }, health: { status: 'Healthy' } });
      const ctx = context(argo);
      const commit = (await kubernetesAdapter.apply(ctx)).outputs.commit ?? '';
      const verifying = kubernetesAdapter.verify?.(ctx);
      await waitForLog(ctx, /waiting for it to sync/);
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'Synced', revision: commit },
        health: { status: 'Degraded' },
        resources: [
          { kind: 'Service', name: 'api', health: { status: 'Healthy' } },
          {
            kind: 'Deployment',
            name: 'api',
            health: { status: 'Degraded', message: 'Deployment "api" exceeded its progress deadline' },
          },
        ],
      });
      const health = await verifying;
      expect(health?.healthy).toBe(false);
      expect(health?.message).toBe(
        `Argo CD application api-dev: Synced, Degraded at ${short(commit)}: Deployment/api: Deployment "api" exceeded its progress deadline. ` +
          'Look at argocd app get api-dev --app-namespace argocd, then roll back or promote a fixed version.',
      );
    });

    it('fails when the sync operation for the commit fails', async () => {
      application({ sync: { status: 'OutOfSync', revision: seed }, health: { status: 'Healthy' } });
      const ctx = context(argo);
      const commit = (await kubernetesAdapter.apply(ctx)).outputs.commit ?? '';
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'OutOfSync', revision: commit },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
          syncResult: { revision: commit },
        },
      });
      const health = await kubernetesAdapter.verify?.(ctx);
      expect(health?.healthy).toBe(false);
      expect(health?.message).toContain(`the sync of ${short(commit)} failed: one or more objects failed to apply`);
    });

    it("accepts a later commit that others pushed on top of Baton's", async () => {
      application({ sync: { status: 'Synced', revision: seed }, health: { status: 'Healthy' } });
      const ctx = context(argo);
      await kubernetesAdapter.apply(ctx);
      const later = repo.pushAsColleague({ 'notes/later.txt': 'later\n' }, 'A later change');
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'Synced', revision: later },
        health: { status: 'Healthy' },
      });
      expect(await kubernetesAdapter.verify?.(ctx)).toMatchObject({ healthy: true });
    });

    it('keeps waiting for a revision that is not on the branch, then times out saying what it saw', async () => {
      application({ sync: { status: 'Synced', revision: seed }, health: { status: 'Healthy' } });
      const ctx = context({ ...argo, verifyTimeout: '2s' });
      const commit = (await kubernetesAdapter.apply(ctx)).outputs.commit ?? '';
      const stray = 'f'.repeat(40);
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'Synced', revision: stray },
        health: { status: 'Healthy' },
      });
      const health = await kubernetesAdapter.verify?.(ctx);
      expect(health).toEqual({
        healthy: false,
        message:
          `Argo CD application argocd/api-dev had not deployed ${short(commit)} healthy after 2s (\`verifyTimeout\`); ` +
          `last seen: Argo CD application api-dev: Synced, Healthy, at fffffff; waiting for it to sync ${short(commit)}. ` +
          'Look at argocd app get api-dev --app-namespace argocd; the commit stays on main.',
      });
      expect(ctx.logged).toContain(
        'the controller reports revision fffffff, which is not on main: is it watching another branch or repository?',
      );
    });

    it('keeps following the Application when its watch drops', async () => {
      application({ sync: { status: 'OutOfSync', revision: seed }, health: { status: 'Healthy' } });
      const ctx = context(argo);
      const commit = (await kubernetesAdapter.apply(ctx)).outputs.commit ?? '';
      const verifying = kubernetesAdapter.verify?.(ctx);
      await waitForLog(ctx, /waiting for it to sync/);
      const reads = (): number =>
        cluster.requests.filter((request) => request.method === 'GET' && request.path.endsWith('/applications/api-dev'))
          .length;
      const readsBefore = reads();
      while (cluster.dropWatches() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      cluster.setStatus(APPLICATION, 'argocd', 'api-dev', {
        sync: { status: 'Synced', revision: commit },
        health: { status: 'Healthy' },
      });
      expect(await verifying).toMatchObject({ healthy: true });
      // The dropped watch was noticed: Baton read the Application again rather than waiting on a dead connection.
      expect(reads()).toBeGreaterThan(readsBefore);
    });

    it('when nothing was committed, waits for the commit that last set the file', async () => {
      application({ sync: { status: 'Synced', revision: seed }, health: { status: 'Healthy' } });
      const ctx = context(argo, { version: '1.0.0' });
      await kubernetesAdapter.apply(ctx);
      expect(await kubernetesAdapter.verify?.(ctx)).toEqual({
        healthy: true,
        message: `Argo CD application api-dev: Synced, Healthy at ${short(seed)}: deployed ${short(seed)}`,
      });
    });

    it('says which permission is missing when Baton may not read the Application', async () => {
      application({ sync: { status: 'Synced', revision: seed }, health: { status: 'Healthy' } });
      cluster.forbid('get', 'applications');
      const ctx = context(argo);
      const error: unknown = await kubernetesAdapter.verify?.(ctx).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TerminalStepError);
      expect((error as Error).message).toContain(
        'Grant it RBAC "get" on applications.argoproj.io in namespace argocd.',
      );
    });
  });

  describe('with Flux', () => {
    const flux = { flux: { kustomization: 'api-dev' } };

    function kustomization(status: Json): void {
      cluster.putObject(KUSTOMIZATION, 'flux-system', 'api-dev', { spec: { path: './apps/api/overlays/dev' }, status });
    }

    it('waits until the Kustomization has applied the commit and is Ready', async () => {
      kustomization({
        lastAppliedRevision: `main@sha1:${seed}`,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ReconciliationSucceeded',
            message: `Applied revision: main@sha1:${seed}`,
          },
        ],
      });
      const ctx = context(flux);
      const commit = (await kubernetesAdapter.apply(ctx)).outputs.commit ?? '';
      const verifying = kubernetesAdapter.verify?.(ctx);
      await waitForLog(ctx, /waiting for it to apply/);
      cluster.setStatus(KUSTOMIZATION, 'flux-system', 'api-dev', {
        lastAppliedRevision: `main@sha1:${seed}`,
        lastAttemptedRevision: `main@sha1:${commit}`,
        conditions: [
          { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' },
        ],
      });
      await waitForLog(ctx, /Ready=Unknown \(Progressing\)/);
      cluster.setStatus(KUSTOMIZATION, 'flux-system', 'api-dev', {
        lastAppliedRevision: `main@sha1:${commit}`,
        lastAttemptedRevision: `main@sha1:${commit}`,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ReconciliationSucceeded',
            message: `Applied revision: main@sha1:${commit}`,
          },
        ],
      });
      expect(await verifying).toEqual({
        healthy: true,
        message: `Flux Kustomization api-dev: Ready=True (ReconciliationSucceeded), applied ${short(commit)}: deployed ${short(commit)}`,
      });
    });

    it("fails with Flux's message when the attempt at the commit leaves it not Ready", async () => {
      kustomization({
        lastAppliedRevision: `main@sha1:${seed}`,
        conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded' }],
      });
      const ctx = context(flux);
      const commit = (await kubernetesAdapter.apply(ctx)).outputs.commit ?? '';
      cluster.setStatus(KUSTOMIZATION, 'flux-system', 'api-dev', {
        lastAppliedRevision: `main@sha1:${seed}`,
        lastAttemptedRevision: `main@sha1:${commit}`,
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'HealthCheckFailed',
            message: "timeout waiting for: [Deployment/dev/api status: 'InProgress']",
          },
        ],
      });
      const health = await kubernetesAdapter.verify?.(ctx);
      expect(health).toEqual({
        healthy: false,
        message:
          `Flux Kustomization api-dev: Ready=False (HealthCheckFailed) at ${short(commit)}: timeout waiting for: [Deployment/dev/api status: 'InProgress']. ` +
          'Look at flux get kustomization api-dev -n flux-system, then roll back or promote a fixed version.',
      });
    });
  });

  it('without argocd or flux, the pushed commit is enough', async () => {
    const ctx = context({});
    await kubernetesAdapter.apply(ctx);
    expect(await kubernetesAdapter.verify?.(ctx)).toEqual({
      healthy: true,
      message: 'no argocd or flux setting: the commit is pushed, and Baton does not wait for a sync',
    });
    expect(repo.fileOnRemote(DEV_OVERLAY)).toContain('newTag: 2.0.0');
  });
});
