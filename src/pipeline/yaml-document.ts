import { LineCounter, isScalar, parseDocument, visit, type Document } from 'yaml';
import type { ConfigIssue } from '../errors.ts';
import { errorMessage } from '../errors.ts';
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
function duplicateKeys(doc: Document, positions: DocumentPositions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const { key } of map.items) {
        const identity = isScalar(key) ? key.value : key;
        if (seen.has(identity) && isScalar(key) && key.range) {
          issues.push({
            position: positions.ofOffset(key.range[0]),
            message: `duplicate key "${String(key.value)}": a key may appear only once in a mapping`,
          });
        }
        seen.add(identity);
      }
    },
  });
  return issues;
}

export function readYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const positions = new DocumentPositions(doc, lineCounter, file);
  if (doc.errors.length > 0) {
    return { positions, issues: doc.errors.map((error) => ({ position: positions.ofOffset(error.pos[0]), message: error.message })) };
  }
  // A duplicate key leaves a readable document (the last value wins), so the other checks still run.
  const issues = duplicateKeys(doc, positions);
  try {
    return { value: doc.toJS(), positions, issues };
  } catch (error) {
    return { positions, issues: [...issues, { position: positions.ofValue([]), message: errorMessage(error) }] };
  }
}
