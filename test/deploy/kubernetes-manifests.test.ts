/**
 * The kustomize overlays under deploy/kubernetes as a cluster would receive them:
 * rendered by `kubectl kustomize`, every object checked against Kubernetes' own
 * OpenAPI schemas (kubernetes-models, compiled from them; no API server runs here),
 * and the settings an operator relies on asserted.
 */
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  PersistentVolumeClaim,
  Service,
  ServiceAccount,
  type IContainer,
  type IPodSpec,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kustomizeBuild } from '../support/kubectl.ts';

const OVERLAYS = fileURLToPath(new URL('../../deploy/kubernetes/overlays/', import.meta.url));

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** The schema of each kind the overlays deploy; a kind missing here fails the test rather than going unchecked. */
const SCHEMAS: Record<string, (object: Manifest) => { validate(): void }> = {
  'apps/v1 Deployment': (object) => new Deployment(object as never),
  'v1 Service': (object) => new Service(object as never),
  'v1 ServiceAccount': (object) => new ServiceAccount(object as never),
  'v1 ConfigMap': (object) => new ConfigMap(object as never),
  'v1 PersistentVolumeClaim': (object) => new PersistentVolumeClaim(object as never),
  'policy/v1 PodDisruptionBudget': (object) => new PodDisruptionBudget(object as never),
  'networking.k8s.io/v1 NetworkPolicy': (object) => new NetworkPolicy(object as never),
};

function render(overlay: string): Manifest[] {
  return parseAllDocuments(kustomizeBuild(`${OVERLAYS}${overlay}`)).map((document) => document.toJS() as Manifest);
}

function named(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')}`,
    );
  return found;
}

function podSpec(deployment: Manifest): IPodSpec {
  return (deployment.spec as { template: { spec: IPodSpec } }).template.spec;
}

function podLabels(deployment: Manifest): Record<string, string> {
  return (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function only<T>(items: T[] | undefined): T {
  expect(items).toHaveLength(1);
  return (items ?? [])[0] as T;
}

/** Non-root, read-only root, no privilege escalation, no capabilities, the runtime's seccomp profile, a memory limit. */
function expectLockedDown(spec: IPodSpec, container: IContainer): void {
  expect(spec.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(spec.automountServiceAccountToken).toBe(false);
  expect(container.securityContext).toEqual({
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect(container.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
  expect(container.resources?.limits).toMatchObject({ memory: expect.any(String) });
  // A read-only root: Baton writes under /data, programs under /tmp, both volumes.
  expect(container.volumeMounts?.map((mount) => mount.mountPath).sort()).toEqual(['/data', '/tmp']);
}

function expectBotProbes(container: IContainer): void {
  expect(container.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
  expect(container.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
  expect(container.startupProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
  expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
}

/** The budget, the policy and the Service must select the pods they are for, or they guard nothing. */
function expectSelected(objects: Manifest[], deployment: Manifest, kinds: string[]): void {
  const labels = podLabels(deployment);
  for (const kind of kinds) {
    const selecting = objects
      .filter((object) => object.kind === kind)
      .filter((object) => {
        const spec = object.spec as {
          selector?: { matchLabels?: Record<string, string> } | Record<string, string>;
          podSelector?: { matchLabels: Record<string, string> };
        };
        const selector =
          kind === 'Service'
            ? (spec.selector as Record<string, string>)
            : (spec.podSelector ?? (spec.selector as { matchLabels: Record<string, string> })).matchLabels;
        return selects(selector, labels);
      });
    expect(selecting, `${kind} selecting ${deployment.metadata.name}'s pods`).toHaveLength(1);
  }
}

describe.each(['embedded', 'redis'])('the %s overlay', (overlay) => {
  it('renders objects that Kubernetes 1.32 schemas accept', () => {
    const objects = render(overlay);
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) {
      const schema = SCHEMAS[`${object.apiVersion} ${object.kind}`];
      expect(schema, `no schema to check ${object.apiVersion} ${object.kind} against`).toBeDefined();
      expect(() => schema?.(object).validate(), `${object.kind}/${object.metadata.name}`).not.toThrow();
      expect(object.metadata.labels?.['app.kubernetes.io/name']).toBe('baton');
    }
  });

  it('runs every container locked down, and guards each Deployment with a disruption budget and a network policy', () => {
    const objects = render(overlay);
    const deployments = objects.filter((object) => object.kind === 'Deployment');
    for (const deployment of deployments) {
      const spec = podSpec(deployment);
      expectLockedDown(spec, only(spec.containers));
      expectSelected(objects, deployment, ['PodDisruptionBudget', 'NetworkPolicy']);
    }
    const bot = named(objects, 'Deployment', 'baton');
    expectBotProbes(only(podSpec(bot).containers));
    expectSelected(objects, bot, ['Service']);
  });
});

describe('the embedded overlay', () => {
  it('runs one Baton process, replaced rather than rolled, with its records on a persistent volume', () => {
    const objects = render('embedded');
    expect(objects.filter((object) => object.kind === 'Deployment')).toHaveLength(1);
    const bot = named(objects, 'Deployment', 'baton');
    expect(bot.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(only(podSpec(bot).containers).args).toEqual(['start']);
    const data = podSpec(bot).volumes?.find((volume) => volume.name === 'data');
    expect(data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'baton-data' } });
    expect(named(objects, 'PersistentVolumeClaim', 'baton-data').spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
    });
  });
});

describe('the redis overlay', () => {
  it('runs bots and workers as separate Deployments, both finding Redis through the Secret baton-redis', () => {
    const objects = render('redis');
    const bot = only(podSpec(named(objects, 'Deployment', 'baton')).containers);
    const worker = only(podSpec(named(objects, 'Deployment', 'baton-worker')).containers);
    expect(named(objects, 'Deployment', 'baton').spec).toMatchObject({ replicas: 2 });
    expect(bot.args).toEqual(['start', '--workers', '0']);
    expect(worker.args?.[0]).toBe('worker');
    expect(worker.ports).toBeUndefined();
    for (const container of [bot, worker]) {
      expect(container.env).toContainEqual({
        name: 'REDIS_URL',
        valueFrom: { secretKeyRef: { name: 'baton-redis', key: 'url' } },
      });
    }
    const workerPolicy = named(objects, 'NetworkPolicy', 'baton-worker').spec as {
      ingress: unknown[];
      policyTypes: string[];
    };
    expect(workerPolicy).toMatchObject({ policyTypes: ['Ingress'], ingress: [] });
  });
});
