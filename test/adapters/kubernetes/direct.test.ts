/**
 * direct mode through the real `@kubernetes/client-node` against Kubernetes
 * API stand-ins (test/harness/kubernetes): rollouts that progress over time,
 * a rollout that misses its deadline, 409 conflicts, watches that drop, and
 * several clusters in order or at once.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { MAX_CONFLICT_ATTEMPTS } from '../../../adapters/kubernetes/direct/set-image.ts';
import { kubernetesAdapter } from '../../../adapters/kubernetes/index.ts';
import type { KubernetesSettings } from '../../../adapters/kubernetes/schema.ts';
import type { WorkloadKind } from '../../harness/kubernetes/api-server.ts';
import { writeKubeconfig } from '../../harness/kubernetes/kubeconfig.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';
import { describeAdapterContract } from '../contract-suite.ts';
import { startClusters, type Clusters } from './clusters.ts';

const CONTAINERS = [
  { name: 'api', image: 'ghcr.io/acme/api:1.0.0' },
  { name: 'proxy', image: 'ghcr.io/acme/proxy:3.2' },
];

type Overrides = Partial<AdapterContext<KubernetesSettings>>;

function directContext(
  clusters: Clusters,
  settings: Record<string, unknown> = {},
  overrides: Overrides = {},
): TestAdapterContext<KubernetesSettings> {
  const config = kubernetesAdapter.config.parse({
    mode: 'direct',
    namespace: 'shop',
    name: 'api',
    container: 'api',
    image: 'ghcr.io/acme/api',
    kubeconfig: 'kubeconfig.yaml',
    context: 'eu-west',
    rolloutTimeout: '20s',
    ...settings,
  });
  return makeAdapterContext({
    config,
    configDir: clusters.dir,
    workDir: join(clusters.dir, 'work'),
    stepId: 'step-api-shop',
    promotionId: 'p-7',
    environment: 'production',
    version: '2.0.0',
    previousVersion: '1.0.0',
    ...overrides,
  });
}

function deploy(clusters: Clusters, context = 'eu-west', kind: WorkloadKind = 'Deployment', replicas = 2): void {
  clusters.cluster(context).createWorkload(kind, { namespace: 'shop', name: 'api', containers: CONTAINERS, replicas });
}

function imagesIn(clusters: Clusters, context = 'eu-west', kind: WorkloadKind = 'Deployment'): string[] {
  const spec = clusters.cluster(context).workload(kind, 'shop', 'api')?.spec as {
    template: { spec: { containers: { image: string }[] } };
  };
  return spec.template.spec.containers.map((container) => container.image);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error(`expected an Error, got ${String(error)}`);
  return error;
}

describeAdapterContract('kubernetes (direct, Deployment in a Kubernetes API stand-in)', {
  capabilities: { observesVersion: true, reversible: true },
  async setUp() {
    const clusters = await startClusters(['eu-west'], { tickMs: 10 });
    deploy(clusters);
    return {
      adapter: kubernetesAdapter as never,
      context: (overrides = {}) => directContext(clusters, {}, overrides as Overrides) as never,
      cleanup: () => clusters.close(),
    };
  },
});

describe('kubernetes adapter in direct mode', () => {
  let clusters: Clusters;

  beforeEach(async () => {
    clusters = await startClusters(['eu-west', 'us-east'], { tickMs: 15, deadlineTicks: 8 });
    deploy(clusters, 'eu-west');
    deploy(clusters, 'us-east');
  });

  afterEach(async () => {
    await clusters.close();
  });

  describe('apply', () => {
    it('patches only the promoted container with a strategic merge patch and waits for the rollout', async () => {
      const ctx = directContext(clusters);
      const result = await kubernetesAdapter.apply(ctx);

      expect(imagesIn(clusters)).toEqual(['ghcr.io/acme/api:2.0.0', 'ghcr.io/acme/proxy:3.2']);
      expect(imagesIn(clusters, 'us-east')).toEqual(['ghcr.io/acme/api:1.0.0', 'ghcr.io/acme/proxy:3.2']);
      const patches = clusters.cluster('eu-west').requests.filter((request) => request.method === 'PATCH');
      expect(patches.map((request) => request.contentType)).toEqual(['application/strategic-merge-patch+json']);
      expect(result).toEqual({
        outputs: { image: 'ghcr.io/acme/api:2.0.0' },
        summary: 'deployment shop/api runs ghcr.io/acme/api:2.0.0 and has rolled out on eu-west',
      });
      const progress = ctx.logged.filter((line) => line.startsWith('eu-west: deployment shop/api'));
      expect(progress[0]).toBe('eu-west: deployment shop/api ghcr.io/acme/api:1.0.0 → ghcr.io/acme/api:2.0.0');
      expect(progress).toContain('eu-west: deployment shop/api: 1 of 2 new replicas updated');
      expect(progress).toContain('eu-west: deployment shop/api: 1 old replica pending termination');
      expect(progress.at(-1)).toBe('eu-west: deployment shop/api rolled out: 2 of 2 replicas updated and available');
      const annotations = clusters.cluster('eu-west').workload('Deployment', 'shop', 'api')?.metadata.annotations ?? {};
      expect(annotations['kubernetes.io/change-cause']).toBe('Baton promotion p-7: api 2.0.0 to production');
    });

    it('fails the step, saying what to look at, when the rollout exceeds its progress deadline', async () => {
      clusters.cluster('eu-west').failImage('ghcr.io/acme/api:2.0.0');
      const error = await failure(kubernetesAdapter.apply(directContext(clusters)));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toMatch(
        /^deployment shop\/api did not roll out ghcr\.io\/acme\/api:2\.0\.0: deployment shop\/api exceeded its progress deadline: ReplicaSet "api-[0-9a-f]+" has timed out progressing\./,
      );
      expect(error.message).toContain('kubectl --context eu-west -n shop rollout status deployment/api');
    });

    it('gives up waiting after rolloutTimeout, saying how far the rollout got', async () => {
      clusters.cluster('eu-west').failImage('ghcr.io/acme/api:2.0.0');
      clusters
        .cluster('eu-west')
        .createWorkload('StatefulSet', { namespace: 'shop', name: 'api', containers: CONTAINERS, replicas: 2 });
      const timedOut = await failure(
        kubernetesAdapter.apply(directContext(clusters, { rolloutTimeout: '1s', kind: 'StatefulSet' })),
      );
      expect(timedOut).toBeInstanceOf(TerminalStepError);
      expect(timedOut.message).toContain(
        'statefulset shop/api had not finished rolling out ghcr.io/acme/api:2.0.0 after 1s (`rolloutTimeout`)',
      );
      expect(timedOut.message).toContain('last seen: statefulset shop/api: 1 of 2 pods ready');
    });

    it('retries a 409 conflict on fresh data, and gives up with a retryable error when it never stops', async () => {
      clusters.cluster('eu-west').conflictOnNextPatches(2);
      const ctx = directContext(clusters);
      await kubernetesAdapter.apply(ctx);
      expect(imagesIn(clusters)[0]).toBe('ghcr.io/acme/api:2.0.0');
      expect(clusters.cluster('eu-west').requests.filter((request) => request.method === 'PATCH')).toHaveLength(3);
      expect(ctx.logged).toContain(
        `deployment shop/api on eu-west changed while Baton patched it (409 Conflict, attempt 1 of ${MAX_CONFLICT_ATTEMPTS}): reading it again`,
      );

      clusters.cluster('us-east').conflictOnNextPatches(100);
      const error = await failure(kubernetesAdapter.apply(directContext(clusters, { context: 'us-east' })));
      expect(error).toBeInstanceOf(RetryableStepError);
      expect(error.message).toContain(`it changed under Baton ${MAX_CONFLICT_ATTEMPTS} times in a row (409 Conflict)`);
      expect(imagesIn(clusters, 'us-east')[0]).toBe('ghcr.io/acme/api:1.0.0');
    });

    it('keeps following the rollout when the watch drops or its version expires', async () => {
      // A slower cluster, so the rollout spans many watch connections.
      const slow = await startClusters(['eu-west'], { tickMs: 80 });
      try {
        deploy(slow);
        const cluster = slow.cluster('eu-west');
        cluster.expireNextWatches(1);
        let dropped = 0;
        const dropper = setInterval(() => {
          dropped += cluster.dropWatches();
        }, 30);
        const ctx = directContext(slow);
        await kubernetesAdapter.apply(ctx).finally(() => clearInterval(dropper));
        expect(ctx.logged.at(-1)).toBe(
          'eu-west: deployment shop/api rolled out: 2 of 2 replicas updated and available',
        );
        expect(dropped).toBeGreaterThan(0);
        expect(cluster.watchCount()).toBeGreaterThan(dropped);
      } finally {
        await slow.close();
      }
    });

    it('rides out a briefly unavailable API server while waiting', async () => {
      const cluster = clusters.cluster('eu-west');
      const ctx = directContext(
        clusters,
        {},
        {
          log: (line) => {
            // The watch breaks and the next two reads get 503, as during an API server restart.
            if (line.includes('1 of 2 new replicas updated')) {
              cluster.failNextRequests(2);
              cluster.dropWatches();
            }
          },
        },
      );
      await kubernetesAdapter.apply(ctx);
      expect(
        ctx.logged.some((line) =>
          line.includes('the API server failed (503: Internal error occurred: etcdserver: request timed out)'),
        ),
      ).toBe(true);
      expect(ctx.logged.at(-1)).toContain('rolled out');
    });

    it('falls back to reading every few seconds when Baton may not watch', async () => {
      clusters.cluster('eu-west').forbid('watch', 'deployments');
      const ctx = directContext(clusters);
      await kubernetesAdapter.apply(ctx);
      expect(ctx.logged).toContain(
        'eu-west: Baton may not watch api (401/403), so it reads it every 2s instead: grant RBAC "watch" for prompter updates',
      );
      expect(ctx.logged.at(-1)).toBe('eu-west: deployment shop/api rolled out: 2 of 2 replicas updated and available');
    });

    it('rolls out StatefulSets and DaemonSets the way kubectl rollout status judges them', async () => {
      for (const kind of ['StatefulSet', 'DaemonSet'] as const) {
        clusters
          .cluster('eu-west')
          .createWorkload(kind, { namespace: 'shop', name: 'api', containers: CONTAINERS, replicas: 3 });
        const ctx = directContext(clusters, { kind });
        await kubernetesAdapter.apply(ctx);
        expect(imagesIn(clusters, 'eu-west', kind)[0]).toBe('ghcr.io/acme/api:2.0.0');
        expect(ctx.logged.at(-1)).toMatch(
          kind === 'StatefulSet'
            ? /^eu-west: statefulset shop\/api rolled out: 3 pods at revision api-[0-9a-f]+$/
            : 'eu-west: daemonset shop/api rolled out: 3 pods updated and available',
        );
      }
    });

    it('refuses to wait for a StatefulSet whose pods only change when deleted', async () => {
      clusters.cluster('eu-west').createWorkload('StatefulSet', {
        namespace: 'shop',
        name: 'api',
        containers: CONTAINERS,
        updateStrategy: 'OnDelete',
      });
      const error = await failure(kubernetesAdapter.apply(directContext(clusters, { kind: 'StatefulSet' })));
      expect(error.message).toContain('uses the OnDelete update strategy');
    });

    it('is idempotent: a second apply patches nothing and returns the same outputs', async () => {
      const first = await kubernetesAdapter.apply(directContext(clusters));
      const second = await kubernetesAdapter.apply(directContext(clusters));
      expect(second.outputs).toEqual(first.outputs);
      expect(clusters.cluster('eu-west').requests.filter((request) => request.method === 'PATCH')).toHaveLength(1);
    });

    it('rejects promptly, naming the stop, when the step is cancelled during the rollout', async () => {
      clusters.cluster('eu-west').failImage('ghcr.io/acme/api:2.0.0');
      const controller = new AbortController();
      const ctx = directContext(clusters, {}, { signal: controller.signal });
      const applying = kubernetesAdapter.apply(ctx);
      setTimeout(() => controller.abort(new Error('cancelled by alice')), 100);
      const started = performance.now();
      const error = await failure(applying);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toBe(
        'Promoting api 2.0.0 to production was stopped: the step was cancelled or timed out (cancelled by alice).',
      );
    });

    it('promotes by digest when the version is one', async () => {
      const digest = `sha256:${'c'.repeat(64)}`;
      const ctx = directContext(clusters, {}, { version: digest });
      await kubernetesAdapter.apply(ctx);
      expect(imagesIn(clusters)[0]).toBe(`ghcr.io/acme/api@${digest}`);
      expect((await kubernetesAdapter.current(ctx)).version).toBe(digest);
    });
  });

  describe('several clusters', () => {
    const both = {
      kubeconfig: undefined,
      context: undefined,
      targets: [
        { kubeconfig: 'kubeconfig.yaml', context: 'eu-west' },
        { kubeconfig: 'kubeconfig.yaml', context: 'us-east' },
      ],
    };

    it('in order: each cluster has rolled out before the next one is touched', async () => {
      const ctx = directContext(clusters, both);
      const result = await kubernetesAdapter.apply(ctx);
      const euDone = ctx.logged.indexOf(
        'eu-west: deployment shop/api rolled out: 2 of 2 replicas updated and available',
      );
      const usStart = ctx.logged.indexOf(
        'us-east: deployment shop/api ghcr.io/acme/api:1.0.0 → ghcr.io/acme/api:2.0.0',
      );
      expect(euDone).toBeGreaterThanOrEqual(0);
      expect(usStart).toBeGreaterThan(euDone);
      expect(result.summary).toBe(
        'deployment shop/api runs ghcr.io/acme/api:2.0.0 and has rolled out on eu-west, us-east',
      );
    });

    it('in order: a failed rollout stops there, and later clusters keep the old version', async () => {
      clusters.cluster('eu-west').failImage('ghcr.io/acme/api:2.0.0');
      const error = await failure(kubernetesAdapter.apply(directContext(clusters, both)));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toMatch(/^eu-west: deployment shop\/api did not roll out/);
      expect(error.message).toContain('No cluster was done before it.');
      expect(error.message).toContain('Not started: us-east (they keep what they ran).');
      expect(imagesIn(clusters, 'us-east')[0]).toBe('ghcr.io/acme/api:1.0.0');
    });

    it('in parallel: every cluster goes at once, and a failure in one is reported beside the others', async () => {
      clusters.cluster('us-east').failImage('ghcr.io/acme/api:2.0.0');
      const ctx = directContext(clusters, { ...both, parallel: true });
      const error = await failure(kubernetesAdapter.apply(ctx));
      expect(error.message).toMatch(
        /^1 of 2 clusters failed:\neu-west: done\nus-east: deployment shop\/api did not roll out/,
      );
      expect(imagesIn(clusters, 'eu-west')[0]).toBe('ghcr.io/acme/api:2.0.0');
      expect(imagesIn(clusters, 'us-east')[0]).toBe('ghcr.io/acme/api:2.0.0');
    });

    it('current reports every cluster, plan lists what changes where, rollback restores each one', async () => {
      clusters.cluster('us-east').createWorkload('Deployment', {
        namespace: 'shop',
        name: 'api',
        containers: [
          { name: 'api', image: 'ghcr.io/acme/api:1.0.1' },
          { name: 'proxy', image: 'ghcr.io/acme/proxy:3.2' },
        ],
      });
      const ctx = directContext(clusters, { ...both, parallel: true });
      const before = await kubernetesAdapter.current(ctx);
      expect(before).toEqual({
        version: '1.0.0',
        detail: { 'eu-west': 'ghcr.io/acme/api:1.0.0', 'us-east': 'ghcr.io/acme/api:1.0.1' },
      });
      expect(await kubernetesAdapter.plan(ctx)).toEqual({
        summary:
          'set the image of deployment shop/api to ghcr.io/acme/api:2.0.0 and wait for the rollout (all clusters at once)',
        details: [
          'eu-west: ghcr.io/acme/api:1.0.0 → ghcr.io/acme/api:2.0.0',
          'us-east: ghcr.io/acme/api:1.0.1 → ghcr.io/acme/api:2.0.0',
        ],
        reversible: true,
        changes: true,
      });
      await kubernetesAdapter.apply(ctx);
      expect(await kubernetesAdapter.verify?.(ctx)).toEqual({
        healthy: true,
        message: 'deployment shop/api runs ghcr.io/acme/api:2.0.0, rolled out on eu-west, us-east',
      });
      const result = await kubernetesAdapter.rollback?.(ctx, before);
      expect(imagesIn(clusters, 'eu-west')[0]).toBe('ghcr.io/acme/api:1.0.0');
      expect(imagesIn(clusters, 'us-east')[0]).toBe('ghcr.io/acme/api:1.0.1');
      expect(result?.summary).toBe(
        'rolled back deployment shop/api: eu-west runs ghcr.io/acme/api:1.0.0, us-east runs ghcr.io/acme/api:1.0.1',
      );
    });
  });

  describe('verify', () => {
    it('is unhealthy when the workload runs another image than the one promoted', async () => {
      const health = await kubernetesAdapter.verify?.(directContext(clusters));
      expect(health).toEqual({
        healthy: false,
        message: 'eu-west: runs ghcr.io/acme/api:1.0.0, not ghcr.io/acme/api:2.0.0',
      });
    });
  });

  describe('errors people can act on', () => {
    it('a workload that does not exist', async () => {
      const error = await failure(kubernetesAdapter.current(directContext(clusters, { name: 'payments' })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toBe(
        'Could not read deployment shop/payments (cluster eu-west): it does not exist (404: deployments.apps "payments" not found). ' +
          'Check the kind, namespace and name settings, and that the context points at the right cluster.',
      );
    });

    it('an account without the right to patch', async () => {
      clusters.cluster('eu-west').forbid('patch', 'deployments');
      const error = await failure(kubernetesAdapter.apply(directContext(clusters)));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('Grant it RBAC "patch" on deployments.apps in namespace shop.');
    });

    it('a refused token, which never shows', async () => {
      const token = 'eyJhbGciOiJSUzI1NiJ9.stolen-looking-token';
      writeKubeconfig(join(clusters.dir, 'revoked.yaml'), [
        { context: 'eu-west', standIn: clusters.cluster('eu-west'), token },
      ]);
      const ctx = directContext(clusters, { kubeconfig: 'revoked.yaml' });
      const error = await failure(kubernetesAdapter.apply(ctx));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain("the API server refused Baton's credentials (401 Unauthorized)");
      expect(error.message).not.toContain(token);
      expect(ctx.logged.join('\n')).not.toContain(token);
    });

    it('an API server that cannot be reached is worth another attempt', async () => {
      const ctx = directContext(clusters, { context: 'us-east' });
      await clusters.cluster('us-east').close();
      const error = await failure(kubernetesAdapter.current(ctx));
      expect(error).toBeInstanceOf(RetryableStepError);
      expect(error.message).toContain(
        'Could not read deployment shop/api (cluster us-east): the API server could not be reached',
      );
    });

    it('a container that is not there, or no container named when there are several', async () => {
      const missing = await failure(kubernetesAdapter.plan(directContext(clusters, { container: 'web' })));
      expect(missing.message).toBe(
        'deployment shop/api (cluster eu-west) has no container named web (it has: api, proxy). Fix `container`.',
      );
      const ambiguous = await failure(kubernetesAdapter.plan(directContext(clusters, { container: undefined })));
      expect(ambiguous.message).toContain('has 2 containers (api, proxy): set `container`');
    });

    it('a kubeconfig that is missing, or lacks the context', async () => {
      const missing = await failure(kubernetesAdapter.current(directContext(clusters, { kubeconfig: 'nope.yaml' })));
      expect(missing.message).toContain(`The kubeconfig file ${join(clusters.dir, 'nope.yaml')} does not exist`);
      const unknown = await failure(kubernetesAdapter.current(directContext(clusters, { context: 'ap-south' })));
      expect(unknown.message).toContain('has no context named ap-south (it has: eu-west, us-east). Fix `context`.');
    });

    it('no kubeconfig while not running in a pod', async () => {
      const host = process.env.KUBERNETES_SERVICE_HOST;
      delete process.env.KUBERNETES_SERVICE_HOST;
      try {
        const error = await failure(
          kubernetesAdapter.current(directContext(clusters, { kubeconfig: undefined, context: undefined })),
        );
        expect(error).toBeInstanceOf(TerminalStepError);
        expect(error.message).toContain('it is not running inside a Kubernetes pod');
      } finally {
        if (host !== undefined) process.env.KUBERNETES_SERVICE_HOST = host;
      }
    });
  });

  describe('settings', () => {
    function problems(input: unknown): string {
      const result = kubernetesAdapter.config.safeParse(input);
      return result.success ? '' : z.prettifyError(result.error);
    }

    const minimal = { mode: 'direct', name: 'api', image: 'ghcr.io/acme/api' };

    it('fills in the documented defaults', () => {
      expect(kubernetesAdapter.config.parse(minimal)).toEqual({
        ...minimal,
        kind: 'Deployment',
        namespace: 'default',
        parallel: false,
        rolloutTimeout: '10m',
      });
    });

    it('wants the repository without a tag, and Kubernetes names', () => {
      expect(problems({ ...minimal, image: 'ghcr.io/acme/api:1.0.0' })).toContain('`image` is the repository only');
      expect(problems({ ...minimal, image: 'localhost:5000/api' })).toBe('');
      expect(problems({ ...minimal, name: 'API' })).toContain('`name` must be a Kubernetes object name');
      expect(problems({ ...minimal, kind: 'CronJob' })).toContain(
        '`kind` must be one of Deployment, StatefulSet, DaemonSet',
      );
    });

    it('takes targets or kubeconfig, not both, and checks each target', () => {
      expect(problems({ ...minimal, kubeconfig: 'a.yaml', targets: [{ kubeconfig: 'b.yaml' }] })).toContain(
        'give either `targets` (several clusters) or `kubeconfig`/`context` (one cluster), not both',
      );
      expect(problems({ ...minimal, targets: [] })).toContain('`targets` is empty');
      expect(problems({ ...minimal, targets: [{ kubeconfig: 'a.yaml', region: 'eu' }] })).toContain(
        'unknown setting `region` in a target',
      );
    });
  });
});
