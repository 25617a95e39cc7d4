/**
 * The Kubernetes API stand-in answers the real `@kubernetes/client-node` the
 * way the API server documents it, failures included, so the adapter's tests
 * against it mean something.
 */
import {
  AppsV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubernetesStandIn, type KubernetesStandIn } from '../../harness/kubernetes/api-server.ts';

function clientFor(standIn: KubernetesStandIn, token = standIn.token): AppsV1Api {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'stand-in', server: standIn.server, caData: standIn.certificateAuthorityData }],
    users: [{ name: 'baton', token }],
    contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'baton' }],
    currentContext: 'stand-in',
  });
  return kubeConfig.makeApiClient(AppsV1Api);
}

async function statusOf(promise: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  const error = (await promise.then(
    () => ({ code: 0, body: '{}' }),
    (caught: unknown) => caught,
  )) as { code: number; body: string };
  const body = JSON.parse(error.body) as { reason: string; message: string };
  return { code: error.code, reason: body.reason, message: body.message };
}

describe('Kubernetes API stand-in', () => {
  let standIn: KubernetesStandIn;
  let apps: AppsV1Api;

  beforeEach(async () => {
    standIn = await startKubernetesStandIn({ tickMs: 10 });
    standIn.createWorkload('Deployment', {
      namespace: 'shop',
      name: 'api',
      containers: [{ name: 'api', image: 'api:1' }],
    });
    apps = clientFor(standIn);
  });

  afterEach(async () => {
    await standIn.close();
  });

  it('refuses a request without the right token with 401', async () => {
    const error: unknown = await clientFor(standIn, 'wrong')
      .readNamespacedDeployment({ name: 'api', namespace: 'shop' })
      .catch((caught: unknown) => caught);
    expect((error as { code: number }).code).toBe(401);
  });

  it('answers an unknown object with a NotFound Status', async () => {
    expect(await statusOf(apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' }))).toEqual({
      code: 404,
      reason: 'NotFound',
      message: 'deployments.apps "web" not found',
    });
  });

  it('treats a patch without a content type as JSON Patch, as client-node v2 sends it, and refuses a mapping body', async () => {
    const body = { spec: { template: { spec: { containers: [{ name: 'api', image: 'api:2' }] } } } };
    expect((await statusOf(apps.patchNamespacedDeployment({ name: 'api', namespace: 'shop', body }))).code).toBe(400);
    const patched: V1Deployment = await apps.patchNamespacedDeployment(
      { name: 'api', namespace: 'shop', body },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.template.spec?.containers[0]?.image).toBe('api:2');
    expect(patched.metadata?.generation).toBe(2);
  });

  it('answers a patch on a stale resourceVersion with 409 Conflict', async () => {
    const current = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    standIn.conflictOnNextPatches(1);
    const body = { metadata: { resourceVersion: current.metadata?.resourceVersion }, spec: { replicas: 3 } };
    expect(
      await statusOf(
        apps.patchNamespacedDeployment(
          { name: 'api', namespace: 'shop', body },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toEqual({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('answers a watch from an expired version with one 410 ERROR event, then ends it', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 's', server: standIn.server, caData: standIn.certificateAuthorityData }],
      users: [{ name: 'u', token: standIn.token }],
      contexts: [{ name: 's', cluster: 's', user: 'u' }],
      currentContext: 's',
    });
    const events: string[] = [];
    const ended = new Promise<void>((resolve) => {
      standIn.expireNextWatches(1);
      void new Watch(kubeConfig).watch(
        '/apis/apps/v1/namespaces/shop/deployments',
        { resourceVersion: '1', fieldSelector: 'metadata.name=api' },
        (type, object: { code?: number }) => events.push(`${type} ${object.code ?? ''}`.trim()),
        () => resolve(),
      );
    });
    await ended;
    expect(events).toEqual(['ERROR 410']);
  });
});
