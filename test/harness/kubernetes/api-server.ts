/**
 * A Kubernetes API server stand-in for tests: HTTPS with a bearer token, the
 * REST paths of apps/v1 workloads, Argo CD Applications and Flux
 * Kustomizations, GET / list / watch / PATCH with the documented semantics and
 * failures (404, 401, 403, 409 on a stale resourceVersion, 410 for an expired
 * watch, 415 for an unknown patch type), and controllers that roll workloads
 * out over time. It is not a real API server: no admission, no RBAC beyond
 * what a test forbids, no server-side apply. Tests reach it through the real
 * `@kubernetes/client-node` with a kubeconfig from `writeKubeconfig`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ObjectStore, type KubeObject } from './object-store.ts';
import { applyPatchRequest } from './patch-request.ts';
import type { Json } from './patches.ts';
import { statuses, type ResourceName, type StatusBody } from './status.ts';
import { serveWatch } from './watch-stream.ts';
import { WorkloadControllers } from './workload-controllers.ts';

const TLS_DIR = new URL('./tls/', import.meta.url);

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const RESOURCES = {
  Deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  StatefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet' },
  DaemonSet: { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet' },
  Application: { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications', kind: 'Application' },
  Kustomization: {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    plural: 'kustomizations',
    kind: 'Kustomization',
  },
} as const satisfies Record<string, ResourceType>;

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface WorkloadSpec {
  namespace: string;
  name: string;
  containers: { name: string; image: string }[];
  replicas?: number;
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
}

export interface StandInOptions {
  token?: string;
  /** How often the controllers move rollouts on, in milliseconds. */
  tickMs?: number;
  deadlineTicks?: number;
  nodes?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
}

export interface KubernetesStandIn {
  /** https://127.0.0.1:<port> */
  server: string;
  token: string;
  /** The stand-in's CA certificate, base64 PEM, as `certificate-authority-data` wants it. */
  certificateAuthorityData: string;
  requests: RecordedRequest[];
  createWorkload(kind: WorkloadKind, spec: WorkloadSpec): KubeObject;
  workload(kind: WorkloadKind, namespace: string, name: string): KubeObject | undefined;
  /** Creates or replaces a custom object (an Argo CD Application, a Flux Kustomization). */
  putObject(type: ResourceType, namespace: string, name: string, fields: { spec?: Json; status?: Json }): KubeObject;
  /** Sets a custom object's status, as its controller would. */
  setStatus(type: ResourceType, namespace: string, name: string, status: Json): void;
  /** Pods of this image never become ready. */
  failImage(image: string): void;
  /** Another writer changes the object right before each of the next `count` patches, so a patch with a resourceVersion gets 409. */
  conflictOnNextPatches(count: number): void;
  /** Answers the next `count` requests with 503, as an overloaded API server does. */
  failNextRequests(count: number): void;
  forbid(verb: 'get' | 'list' | 'watch' | 'patch', plural: string): void;
  /** Cuts every open watch connection without a goodbye; returns how many there were. */
  dropWatches(): number;
  /** The next `count` watches get a 410 Expired ERROR event, as after an etcd compaction. */
  expireNextWatches(count: number): void;
  /** Watch requests received so far. */
  watchCount(): number;
  close(): Promise<void>;
}

const SERVICE_ACCOUNT = 'system:serviceaccount:baton:baton';
const ROUTE = /^\/apis\/([^/]+)\/([^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;

function collectionOf(type: ResourceType, namespace: string): string {
  return `${type.group}/${type.version}/${namespace}/${type.plural}`;
}

function send(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sendStatus(response: ServerResponse, body: StatusBody): void {
  send(response, body.code, body);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startKubernetesStandIn(options: StandInOptions = {}): Promise<KubernetesStandIn> {
  const token = options.token ?? 'stand-in-token';
  const certificate = readFileSync(new URL('stand-in.crt', TLS_DIR));
  const store = new ObjectStore();
  const failingImages = new Set<string>();
  const controllers = new WorkloadControllers(store, {
    failingImages,
    deadlineTicks: options.deadlineTicks ?? 10,
    nodes: options.nodes ?? 3,
  });
  const requests: RecordedRequest[] = [];
  const forbidden = new Set<string>();
  const openWatches = new Set<ServerResponse>();
  let conflicts = 0;
  let failures = 0;
  let expiring = 0;
  let watches = 0;

  const typeAt = (group: string, version: string, plural: string): ResourceType | undefined =>
    Object.values(RESOURCES).find((type) => type.group === group && type.version === version && type.plural === plural);

  const patch = async (
    request: IncomingMessage,
    response: ServerResponse,
    type: ResourceType,
    collection: string,
    resource: ResourceName,
  ): Promise<void> => {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const text = await readBody(request);
    const current = store.get(collection, resource.name);
    if (conflicts > 0 && current !== undefined) {
      // Another writer gets in first, so the resourceVersion the client read is stale.
      conflicts -= 1;
      store.put(collection, {
        ...current,
        metadata: {
          ...current.metadata,
          annotations: { ...current.metadata.annotations, 'stand-in/concurrent-writes': String(conflicts) },
        },
      });
    }
    const answer = applyPatchRequest(store, { type, collection, resource, contentType, text });
    send(response, answer.code, answer.body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'https://stand-in');
    const query = Object.fromEntries(url.searchParams.entries());
    const method = request.method ?? 'GET';
    requests.push({ method, path: url.pathname, query, contentType: request.headers['content-type'] ?? '' });
    if (request.headers.authorization !== `Bearer ${token}`) return sendStatus(response, statuses.unauthorized());
    if (failures > 0) {
      failures -= 1;
      return sendStatus(response, {
        ...statuses.internalError('etcdserver: request timed out'),
        code: 503,
        reason: 'ServiceUnavailable',
      });
    }
    const route = ROUTE.exec(url.pathname);
    const type = route ? typeAt(route[1] ?? '', route[2] ?? '', route[4] ?? '') : undefined;
    if (!route || !type) return sendStatus(response, statuses.unknownPath());
    const namespace = route[3] ?? '';
    const name = route[5];
    const collection = collectionOf(type, namespace);
    const resource: ResourceName = { group: type.group, plural: type.plural, name: name ?? '' };
    const verb = method === 'PATCH' ? 'patch' : name !== undefined ? 'get' : query.watch === 'true' ? 'watch' : 'list';
    if (forbidden.has(`${verb}:${type.plural}`))
      return sendStatus(response, statuses.forbidden(resource, verb, namespace, SERVICE_ACCOUNT));
    if (verb === 'patch' && name !== undefined) return patch(request, response, type, collection, resource);
    if (method !== 'GET') return sendStatus(response, statuses.methodNotAllowed());
    if (verb === 'watch') {
      watches += 1;
      const expire = expiring > 0;
      if (expire) expiring -= 1;
      return serveWatch(store, response, collection, query, { expire, openWatches });
    }
    if (verb === 'list') {
      return send(response, 200, {
        apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
        kind: `${type.kind}List`,
        metadata: { resourceVersion: String(store.resourceVersion) },
        items: store.list(collection),
      });
    }
    const found = store.get(collection, name ?? '');
    return found === undefined ? sendStatus(response, statuses.notFound(resource)) : send(response, 200, found);
  };

  const server: Server = createServer(
    { cert: certificate, key: readFileSync(new URL('stand-in.key', TLS_DIR)) },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendStatus(response, statuses.internalError(String(error)));
        else response.destroy();
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const ticker = setInterval(() => controllers.tick(), options.tickMs ?? 20);
  ticker.unref();

  const putObject = (
    type: ResourceType,
    namespace: string,
    name: string,
    fields: { spec?: Json; status?: Json },
  ): KubeObject => {
    const collection = collectionOf(type, namespace);
    const existing = store.get(collection, name);
    return store.put(collection, {
      apiVersion: `${type.group}/${type.version}`,
      kind: type.kind,
      ...fields,
      metadata: { name, namespace, generation: existing?.metadata.generation ?? 1, uid: `uid-${namespace}-${name}` },
    });
  };

  return {
    server: `https://127.0.0.1:${port}`,
    token,
    certificateAuthorityData: certificate.toString('base64'),
    requests,
    createWorkload(kind, spec) {
      const replicas = spec.replicas ?? 1;
      const template = { metadata: { labels: { app: spec.name } }, spec: { containers: spec.containers } };
      const workloadSpec: Json = {
        selector: { matchLabels: { app: spec.name } },
        template,
        ...(kind === 'DaemonSet' ? {} : { replicas }),
        ...(kind === 'Deployment' ? {} : { updateStrategy: { type: spec.updateStrategy ?? 'RollingUpdate' } }),
      };
      const nodes = options.nodes ?? 3;
      const status: Json =
        kind === 'Deployment'
          ? {
              observedGeneration: 1,
              replicas,
              updatedReplicas: replicas,
              readyReplicas: replicas,
              availableReplicas: replicas,
            }
          : kind === 'StatefulSet'
            ? {
                observedGeneration: 1,
                replicas,
                readyReplicas: replicas,
                currentReplicas: replicas,
                updatedReplicas: replicas,
                currentRevision: `${spec.name}-1`,
                updateRevision: `${spec.name}-1`,
              }
            : {
                observedGeneration: 1,
                desiredNumberScheduled: nodes,
                updatedNumberScheduled: nodes,
                numberAvailable: nodes,
                numberReady: nodes,
              };
      return putObject(RESOURCES[kind], spec.namespace, spec.name, { spec: workloadSpec, status });
    },
    workload: (kind, namespace, name) => store.get(collectionOf(RESOURCES[kind], namespace), name),
    putObject: (type, namespace, name, fields) => putObject(type, namespace, name, fields),
    setStatus(type, namespace, name, status) {
      const collection = collectionOf(type, namespace);
      const current = store.get(collection, name);
      if (current === undefined) throw new Error(`the stand-in has no ${type.plural} ${namespace}/${name}`);
      store.put(collection, { ...current, status });
    },
    failImage: (image) => failingImages.add(image),
    conflictOnNextPatches: (count) => {
      conflicts = count;
    },
    failNextRequests: (count) => {
      failures = count;
    },
    forbid: (verb, plural) => forbidden.add(`${verb}:${plural}`),
    dropWatches() {
      const count = openWatches.size;
      for (const response of openWatches) response.socket?.destroy();
      return count;
    },
    expireNextWatches: (count) => {
      expiring = count;
    },
    watchCount: () => watches,
    async close() {
      clearInterval(ticker);
      for (const response of openWatches) response.socket?.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
