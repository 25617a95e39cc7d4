import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { errorMessage, type ConfigIssue } from '../errors.ts';
import { DocumentPositions } from './positions.ts';

export interface YamlSource {
  /** The parsed value, absent when the text is not YAML the other checks can read. */
  value?: unknown;
  positions: DocumentPositions;
  issues: ConfigIssue[];
}

// The yaml package's own uniqueKeys check compares every key with every
// other key of its mapping; with thousands of components that is the slowest
// part of loading, so duplicates are found here in one pass instead.
function findDuplicateKeys(node: unknown, positions: DocumentPositions, issues: ConfigIssue[]): void {
  if (isSeq(node)) {
    for (const item of node.items) findDuplicateKeys(item, positions, issues);
    return;
  }
  if (!isMap(node)) return;
  const seen = new Set<unknown>();
  for (const { key, value } of node.items) {
    const identity = isScalar(key) ? key.value : key;
    if (seen.has(identity) && isScalar(key) && key.range) {
      issues.push({
        position: positions.ofOffset(key.range[0]),
        message: `duplicate key "${String(key.value)}": a key may appear only once in a mapping`,
      });
    }
    seen.add(identity);
    findDuplicateKeys(value, positions, issues);
  }
}

export function readYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const positions = new DocumentPositions(doc, lineCounter, file);
  if (doc.errors.length > 0) {
    return {
      positions,
      issues: doc.errors.map((error) => ({ position: positions.ofOffset(error.pos[0]), message: error.message })),
    };
  }
  // A duplicate key leaves a readable document (the last value wins), so the other checks still run.
  const issues: ConfigIssue[] = [];
  findDuplicateKeys(doc.contents, positions, issues);
  try {
    return { value: doc.toJS(), positions, issues };
  } catch (error) {
    return { positions, issues: [...issues, { position: positions.ofValue([]), message: errorMessage(error) }] };
  }
}
