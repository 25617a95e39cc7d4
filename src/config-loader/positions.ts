import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { SourcePosition } from '../core/model.ts';

export type ConfigPath = readonly PropertyKey[];

/**
 * Finds where a value of the parsed config was written. Only asked when there
 * is something to report, so a valid config never pays for it.
 */
export class DocumentPositions {
  private readonly pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly file: string,
  ) {}

  ofOffset(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, col };
  }

  /** The value at `path`, or the closest enclosing value that exists. */
  ofValue(path: ConfigPath): SourcePosition {
    for (let length = path.length; length >= 0; length--) {
      const node = this.nodeAt(path.slice(0, length));
      if (node?.range) return this.ofOffset(node.range[0]);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  /** The key written for the last element of `path`, for problems with the key itself. */
  ofKey(path: ConfigPath): SourcePosition {
    const parent = this.nodeAt(path.slice(0, -1));
    const key = String(path.at(-1));
    if (isMap(parent)) {
      const pair = this.pairOf(parent, key);
      if (isNode(pair?.key) && pair.key.range) return this.ofOffset(pair.key.range[0]);
    }
    return this.ofValue(path);
  }

  // Walks by hand instead of doc.getIn: a key like `123:` is a number in YAML but a string in the parsed config.
  private nodeAt(path: ConfigPath): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        node = this.pairOf(node, String(segment))?.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else {
        return undefined;
      }
    }
    return isNode(node) ? node : undefined;
  }

  // Indexed on first use, so that reporting many problems stays linear in the
  // size of the file. A later duplicate key wins, as it does in the parsed value.
  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let pairs = this.pairsByKey.get(map);
    if (!pairs) {
      pairs = new Map();
      for (const pair of map.items) {
        if (isScalar(pair.key)) pairs.set(String(pair.key.value), pair);
      }
      this.pairsByKey.set(map, pairs);
    }
    return pairs.get(key);
  }
}
