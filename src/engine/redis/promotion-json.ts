/**
 * A promotion's JSON seen as literal text around the JSON of its parts — the
 * steps, and the objects at the top (release, waves, approvals…). Parts are
 * frozen, so a part's JSON is known by identity, and a new version that
 * shares most parts with the one before can be sent as a splice of it: a
 * step's result travels as that step, not as the whole promotion. Offsets are
 * in UTF-8 bytes, as Redis counts them. The text is what `JSON.stringify` gives.
 */
import type { Promotion } from '../../core/model.ts';

interface PartJson {
  json: string;
  bytes: number;
}

export interface Layout {
  parts: object[];
  /** Literal text before each part, and after the last one: one more than `parts`. */
  gaps: string[];
  /** Byte offsets where each part's JSON starts and ends. */
  starts: number[];
  ends: number[];
  index: Map<object, number>;
  bytes: number;
}

const known = new WeakMap<object, PartJson>();

function partJson(part: object): PartJson {
  let json = known.get(part);
  if (!json) {
    const text = JSON.stringify(part);
    json = { json: text, bytes: Buffer.byteLength(text) };
    known.set(part, json);
  }
  return json;
}

function isPart(value: unknown): value is object {
  return value !== null && typeof value === 'object' && Object.isFrozen(value);
}

export function layoutOf(promotion: Promotion): Layout {
  const parts: object[] = [];
  const gaps: string[] = [];
  let text = '{';
  let first = true;
  const add = (part: object) => {
    gaps.push(text);
    parts.push(part);
    text = '';
  };
  for (const [key, value] of Object.entries(promotion)) {
    if (value === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (key === 'steps' && Array.isArray(value) && value.every(isPart)) {
      text += '[';
      value.forEach((step: object, i) => {
        if (i > 0) text += ',';
        add(step);
      });
      text += ']';
    } else if (isPart(value)) {
      add(value);
    } else {
      text += JSON.stringify(value);
    }
  }
  gaps.push(`${text}}`);
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  parts.forEach((part, k) => {
    offset += Buffer.byteLength(gaps[k] ?? '');
    starts.push(offset);
    offset += partJson(part).bytes;
    ends.push(offset);
  });
  const index = new Map(parts.map((part, k) => [part, k]));
  return { parts, gaps, starts, ends, index, bytes: offset + Buffer.byteLength(gaps.at(-1) ?? '') };
}

export function layoutJson(layout: Layout): string {
  return (
    layout.parts.map((part, k) => `${layout.gaps[k] ?? ''}${partJson(part).json}`).join('') + (layout.gaps.at(-1) ?? '')
  );
}

/**
 * How to build `next` from `previous`: "=<start>:<length>" copies bytes of the
 * previous text, "+<text>" adds text. Runs of parts that sit together in both
 * are one copy.
 */
export function spliceOf(next: Layout, previous: Layout | undefined): string[] {
  const ops: string[] = [];
  let text = '';
  let copy: { start: number; end: number; part: number } | undefined;
  const flush = () => {
    if (copy) ops.push(`=${copy.start}:${copy.end - copy.start}`);
    copy = undefined;
  };
  next.parts.forEach((part, k) => {
    const gap = next.gaps[k] ?? '';
    const j = previous?.index.get(part);
    if (previous && j !== undefined && copy && j === copy.part + 1 && gap === previous.gaps[j]) {
      copy.end = previous.ends[j] ?? copy.end;
      copy.part = j;
      return;
    }
    flush();
    text += gap;
    if (previous && j !== undefined) {
      if (text) ops.push(`+${text}`);
      text = '';
      copy = { start: previous.starts[j] ?? 0, end: previous.ends[j] ?? 0, part: j };
    } else {
      text += partJson(part).json;
    }
  });
  flush();
  text += next.gaps.at(-1) ?? '';
  ops.push(`+${text}`);
  return ops;
}
