/**
 * The small part of JSONPath (RFC 9535) the http adapter understands: enough
 * to name one value in a CI server's JSON answer.
 *
 *     $                    the whole document
 *     $.status             a member
 *     $.run.conclusion     members of members
 *     $.jobs[0].name       an array element; negative indexes count from the end ($.jobs[-1])
 *     $['content-type']    a member whose name a dotted path cannot hold (also "double quotes")
 *
 * No wildcards, filters, slices or `..`: every path names at most one value,
 * which is what a condition or an output needs. (No JSONPath library is a
 * dependency of Baton; this covers what the adapter documents.)
 */

type JsonPathSegment = { kind: 'member'; name: string } | { kind: 'index'; index: number };

class JsonPathSyntaxError extends Error {
  constructor(path: string, problem: string) {
    super(
      `"${path}" is not a JSON path Baton understands: ${problem}. Write e.g. $.status, $.run.id or $.jobs[0].name`,
    );
    this.name = 'JsonPathSyntaxError';
  }
}

const DOTTED_NAME = /^[\p{L}\p{N}_$-]+/u;
const INDEX = /^\[(-?\d+)\]/;
const QUOTED_NAME = /^\[(['"])(.*?)\1\]/;

function segmentAt(path: string, position: number): { segment: JsonPathSegment; length: number } {
  const rest = path.slice(position);
  if (rest.startsWith('..')) throw new JsonPathSyntaxError(path, 'recursive descent (..) is not supported');
  if (rest.startsWith('.')) {
    const name = DOTTED_NAME.exec(rest.slice(1))?.[0];
    if (name === undefined) {
      const found = rest[1] === undefined ? 'the end' : `"${rest[1]}"`;
      const hint = rest[1] === '*' ? ' (wildcards are not supported)' : '';
      throw new JsonPathSyntaxError(
        path,
        `expected a member name after the "." at position ${position + 1}, found ${found}${hint}`,
      );
    }
    return { segment: { kind: 'member', name }, length: name.length + 1 };
  }
  const index = INDEX.exec(rest);
  if (index?.[1] !== undefined) return { segment: { kind: 'index', index: Number(index[1]) }, length: index[0].length };
  const quoted = QUOTED_NAME.exec(rest);
  if (quoted?.[2] !== undefined) return { segment: { kind: 'member', name: quoted[2] }, length: quoted[0].length };
  if (rest.startsWith('[')) {
    throw new JsonPathSyntaxError(path, `expected [number] or ['name'] at position ${position + 1}`);
  }
  throw new JsonPathSyntaxError(
    path,
    `unexpected "${rest[0] ?? ''}" at position ${position + 1}: use .name or [index]`,
  );
}

/** Throws {@link JsonPathSyntaxError} naming what is wrong and where. */
function parseJsonPath(path: string): JsonPathSegment[] {
  if (!path.startsWith('$')) throw new JsonPathSyntaxError(path, 'it must start with $ (the whole document)');
  const segments: JsonPathSegment[] = [];
  let position = 1;
  while (position < path.length) {
    const { segment, length } = segmentAt(path, position);
    segments.push(segment);
    position += length;
  }
  return segments;
}

/** The problem with `path`, or undefined when it is valid: for schema checks. */
export function jsonPathProblem(path: string): string | undefined {
  try {
    parseJsonPath(path);
    return undefined;
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) return error.message;
    throw error;
  }
}

export type JsonPathLookup = { found: true; value: unknown } | { found: false };

function step(value: unknown, segment: JsonPathSegment): JsonPathLookup {
  if (segment.kind === 'index') {
    if (!Array.isArray(value)) return { found: false };
    const index = segment.index < 0 ? value.length + segment.index : segment.index;
    return index >= 0 && index < value.length ? { found: true, value: value[index] as unknown } : { found: false };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, segment.name)) {
    return { found: false };
  }
  return { found: true, value: (value as Record<string, unknown>)[segment.name] };
}

/** The value `path` names in `document`, or `{ found: false }` when there is none. */
export function valueAtJsonPath(document: unknown, path: string): JsonPathLookup {
  let lookup: JsonPathLookup = { found: true, value: document };
  for (const segment of parseJsonPath(path)) {
    if (!lookup.found) break;
    lookup = step(lookup.value, segment);
  }
  return lookup;
}
