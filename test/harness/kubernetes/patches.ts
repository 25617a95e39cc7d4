/**
 * The three PATCH bodies the Kubernetes API accepts, applied to plain JSON
 * objects: JSON Patch (RFC 6902), JSON Merge Patch (RFC 7386), and the
 * strategic merge patch for the lists the stand-in's workloads use (lists of
 * containers, env, ports, volumes are merged by their key; other lists are replaced).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Which list items strategic merge matches by which key, as Kubernetes' struct tags say (patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  conditions: 'type',
};

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
}

function mergeList(target: Json[], patch: Json[], mergeKey: string): Json[] {
  const result = target.map((item) => clone(item));
  for (const item of patch) {
    if (!isObject(item) || item[mergeKey] === undefined)
      throw new PatchError(`list items need the merge key "${mergeKey}"`);
    const index = result.findIndex((existing) => isObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (index < 0) result.push(clone(item));
    else result[index] = applyStrategicMergePatch(result[index] ?? null, item);
  }
  return result;
}

export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  if ('$patch' in patch) throw new PatchError('$patch directives are not implemented by the stand-in');
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    const mergeKey = MERGE_KEYS[key];
    const current = result[key];
    if (value === null) delete result[key];
    else if (Array.isArray(value) && mergeKey !== undefined && Array.isArray(current))
      result[key] = mergeList(current, value, mergeKey);
    else if (isObject(value)) result[key] = applyStrategicMergePatch(current ?? null, value);
    else result[key] = clone(value);
  }
  return result;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`"${path}" is not a JSON pointer`);
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(document: Json, parts: string[]): { parent: JsonObject | Json[]; last: string } {
  let node: Json = document;
  for (const part of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (next === undefined) throw new PatchError(`path /${parts.join('/')} does not exist`);
    node = next;
  }
  if (!Array.isArray(node) && !isObject(node)) throw new PatchError(`path /${parts.join('/')} does not exist`);
  return { parent: node, last: parts[parts.length - 1] ?? '' };
}

export function applyJsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be a list of operations');
  let document = clone(target);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new PatchError('every JSON patch operation needs "op" and "path"');
    }
    const parts = pointer(operation.path);
    if (parts.length === 0) {
      if (operation.op === 'replace' || operation.op === 'add') document = clone(operation.value ?? null);
      continue;
    }
    const { parent, last } = parentOf(document, parts);
    const current = Array.isArray(parent) ? parent[Number(last)] : parent[last];
    switch (operation.op) {
      case 'test':
        if (JSON.stringify(current) !== JSON.stringify(operation.value))
          throw new PatchError(`test of ${operation.path} failed`);
        break;
      case 'remove':
        if (current === undefined) throw new PatchError(`path ${operation.path} does not exist`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'add':
      case 'replace':
        if (operation.op === 'replace' && current === undefined)
          throw new PatchError(`path ${operation.path} does not exist`);
        if (Array.isArray(parent)) {
          if (last === '-') parent.push(clone(operation.value ?? null));
          else parent.splice(Number(last), operation.op === 'replace' ? 1 : 0, clone(operation.value ?? null));
        } else {
          parent[last] = clone(operation.value ?? null);
        }
        break;
      default:
        throw new PatchError(`JSON patch operation "${operation.op}" is not implemented by the stand-in`);
    }
  }
  return document;
}
