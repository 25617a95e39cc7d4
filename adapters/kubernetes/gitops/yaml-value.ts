/**
 * Finds one value in a YAML file and replaces just its characters. The
 * `yaml` Document API says where the value sits; the new text is spliced into
 * the original bytes, so comments, key order, indentation and quoting
 * everywhere else stay exactly as they were (re-printing the whole document
 * would not promise that).
 */
import { isAlias, isMap, isScalar, isSeq, parse, parseAllDocuments, Scalar, type Document } from 'yaml';
import { formatYamlPath, type YamlPath } from './yaml-path.ts';

export class YamlEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlEditError';
  }
}

export interface LocatedValue {
  /** The value as written: a plain `1.10` stays "1.10", not the number 1.1. Null when empty. */
  value: string | null;
  start: number;
  end: number;
  style: Scalar.Type | undefined;
  /** 1-based line of the value, for diffs and messages. */
  line: number;
}

export function parseYamlDocuments(source: string, file: string): Document.Parsed[] {
  const documents = parseAllDocuments(source, { prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  for (const document of list) {
    const [error] = document.errors;
    if (error) {
      const at = error.linePos?.[0];
      const where = at ? `${file}:${at.line}:${at.col}` : file;
      throw new YamlEditError(`${where} is not valid YAML: ${error.message.split('\n')[0] ?? error.code}`);
    }
  }
  return list;
}

export function documentAt(documents: Document.Parsed[], index: number, file: string): Document.Parsed {
  const document = documents[index];
  if (document === undefined) {
    throw new YamlEditError(
      documents.length === 0
        ? `${file} is empty: it has no YAML document to change`
        : `${file} has ${documents.length} YAML document${documents.length === 1 ? '' : 's'}; document ${index} (counting from 0) does not exist`,
    );
  }
  return document;
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let at = source.indexOf('\n'); at >= 0 && at < offset; at = source.indexOf('\n', at + 1)) line += 1;
  return line;
}

function describeChildren(node: unknown): string {
  if (isMap(node)) {
    const keys = node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key));
    return keys.length === 0 ? 'it is an empty mapping' : `keys there: ${keys.join(', ')}`;
  }
  if (isSeq(node)) return `it is a list of ${node.items.length} item${node.items.length === 1 ? '' : 's'}`;
  return 'it is a single value, not a mapping or list';
}

/** The scalar at `path`, or a readable error naming the first part of the path that is missing. */
export function locateValue(source: string, document: Document.Parsed, path: YamlPath, file: string): LocatedValue {
  let node: unknown = document.contents;
  for (let depth = 0; depth < path.length; depth += 1) {
    const part = path[depth] as string | number;
    const child: unknown = isMap(node) || isSeq(node) ? node.get(part, true) : undefined;
    if (child === undefined) {
      const parent = depth === 0 ? 'the top level' : formatYamlPath(path.slice(0, depth));
      throw new YamlEditError(
        `${file} has no ${formatYamlPath(path.slice(0, depth + 1))} (${describeChildren(node)} at ${parent}). ` +
          'Baton changes a value that is already in the file: add it once by hand, or fix the key in the settings.',
      );
    }
    node = child;
  }
  if (isAlias(node)) {
    throw new YamlEditError(
      `${file}: ${formatYamlPath(path)} is an alias (*${node.source}); Baton only changes a value written in place.`,
    );
  }
  if (!isScalar(node) || node.range === undefined || node.range === null) {
    throw new YamlEditError(`${file}: ${formatYamlPath(path)} is not a single value (${describeChildren(node)}).`);
  }
  const [start, end] = node.range;
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  // Plain scalars are read as written (`1.10` stays "1.10"); a block scalar's line break is not part of the version.
  const written = node.type === Scalar.PLAIN ? node.source : block ? String(node.value).trim() : node.value;
  const value =
    written === null || written === undefined || written === '' || node.value === null ? null : String(written);
  return { value, start, end, style: node.type, line: lineOf(source, start) };
}

const PLAIN_CANDIDATE = /^[A-Za-z0-9_./+-][A-Za-z0-9_.:/+@-]*$/;

/** True when `value` can be written without quotes and read back as the same string by YAML 1.1 and 1.2 readers. */
function safeAsPlain(value: string): boolean {
  if (!PLAIN_CANDIDATE.test(value) || value.endsWith(':')) return false;
  // Kustomize and Helm read YAML 1.1-ish: `yes`, `1_000` and `1:20` are not strings there.
  return parse(value, { version: '1.1' }) === value && parse(value, { version: '1.2' }) === value;
}

/** The YAML text for `value` in the style the old value had, quoting only when needed. */
function renderScalar(value: string, style: Scalar.Type | undefined): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  if (style === Scalar.QUOTE_DOUBLE || !safeAsPlain(value)) return JSON.stringify(value);
  return value;
}

/** The file with only the located value's characters replaced. */
export function replaceValue(source: string, located: LocatedValue, value: string): string {
  const old = source.slice(located.start, located.end);
  let text = renderScalar(value, located.style);
  // A block scalar's range runs to its last line break, which belongs to the line, not the value.
  if (old.endsWith('\n')) text += '\n';
  // `tag:` with nothing after it: keep YAML's space after the colon.
  if (old === '' && source[located.start - 1] === ':') text = ` ${text}`;
  return source.slice(0, located.start) + text + source.slice(located.end);
}
