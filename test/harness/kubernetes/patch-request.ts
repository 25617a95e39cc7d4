/**
 * A PATCH as the API server handles it: the body by its Content-Type
 * (strategic merge only for built-in kinds, as for real custom resources),
 * a resourceVersion in the body as a precondition (409 when stale), workload
 * validation (422), no write for a no-op, and a new generation when the spec changed.
 */
import type { KubeObject, ObjectStore } from './object-store.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError, type Json } from './patches.ts';
import { statuses, type ResourceName } from './status.ts';

export interface PatchRequest {
  type: { group: string };
  collection: string;
  resource: ResourceName;
  contentType: string;
  text: string;
}

export interface Answer {
  code: number;
  body: unknown;
}

function withoutVersion(object: KubeObject): string {
  return JSON.stringify({ ...object, metadata: { ...object.metadata, resourceVersion: undefined } });
}

function invalidWorkload(object: KubeObject): string | null {
  const spec = object.spec as
    { template?: { spec?: { containers?: { name?: string; image?: string }[] } } } | undefined;
  for (const [index, container] of (spec?.template?.spec?.containers ?? []).entries()) {
    if (!container.name) return `spec.template.spec.containers[${index}].name: Required value`;
    if (!container.image) return `spec.template.spec.containers[${index}].image: Required value`;
  }
  return null;
}

type Patched = { ok: true; value: Json } | { ok: false; answer: Answer };

function patched(current: KubeObject, request: PatchRequest, body: Json): Patched {
  const target = current as unknown as Json;
  try {
    switch (request.contentType) {
      case 'application/strategic-merge-patch+json':
        if (request.type.group !== 'apps') break;
        return { ok: true, value: applyStrategicMergePatch(target, body) };
      case 'application/merge-patch+json':
        return { ok: true, value: applyMergePatch(target, body) };
      case 'application/json-patch+json':
        return { ok: true, value: applyJsonPatch(target, body) };
    }
  } catch (error) {
    if (error instanceof PatchError)
      return { ok: false, answer: { code: 400, body: statuses.badRequest(error.message) } };
    throw error;
  }
  return { ok: false, answer: { code: 415, body: statuses.unsupportedMediaType(request.contentType) } };
}

export function applyPatchRequest(store: ObjectStore, request: PatchRequest): Answer {
  const { collection, resource } = request;
  const current = store.get(collection, resource.name);
  if (current === undefined) return { code: 404, body: statuses.notFound(resource) };
  let body: Json;
  try {
    body = JSON.parse(request.text) as Json;
  } catch {
    return { code: 400, body: statuses.badRequest('the request body is not valid JSON') };
  }
  const result = patched(current, request, body);
  if (!result.ok) return result.answer;
  const next = result.value as unknown as KubeObject;
  const precondition = next.metadata?.resourceVersion;
  if (precondition !== undefined && precondition !== current.metadata.resourceVersion) {
    return { code: 409, body: statuses.conflict(resource) };
  }
  const invalid = request.type.group === 'apps' ? invalidWorkload(next) : null;
  if (invalid !== null) return { code: 422, body: statuses.invalid(resource, invalid) };
  next.metadata = {
    ...next.metadata,
    name: current.metadata.name,
    namespace: current.metadata.namespace,
    resourceVersion: current.metadata.resourceVersion,
  };
  if (withoutVersion(next) === withoutVersion(current)) return { code: 200, body: current };
  if (JSON.stringify(next.spec) !== JSON.stringify(current.spec))
    next.metadata.generation = (current.metadata.generation ?? 1) + 1;
  return { code: 200, body: store.put(collection, next) };
}
