/**
 * `baton check`: reads the embedded engine's data folder without changing
 * anything (a bot may be running on it) and lists every problem, one line
 * each, with how to recover.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promotionStream } from '../core/audit.ts';
import { verifyAuditChain, type AuditRecord } from '../core/audit-record.ts';
import type { Promotion } from '../core/model.ts';
import { EARLIER_FILES, JOURNAL_FILE } from '../engine/memory/memory-store.ts';
import { scanJournal } from '../journal.ts';

export interface FolderCheck {
  /** One line per problem, naming the file and line and what to do. */
  problems: string[];
  /** One line on what was checked, for when nothing is wrong. */
  summary: string;
}

export interface StreamProblem {
  /** The record the problem shows at, when it is one record. */
  seq?: number;
  problem: string;
  /** The chain may be whole, but its seals could not be checked here. */
  unchecked?: true;
}

/** Everything known to be wrong with one audit stream; `promotion` is the promotion of a promotion's stream. */
export function checkStream(records: readonly AuditRecord[], promotion?: Promotion, key?: Buffer): StreamProblem[] {
  const chain = verifyAuditChain(records, {
    ...(promotion?.audit ? { anchor: promotion.audit } : {}),
    ...(key ? { key } : {}),
  });
  if (chain.intact && chain.keyedUnchecked) {
    return [
      {
        problem: `${chain.keyedUnchecked} records are sealed with the audit key, and this check was run without it: run it again with BATON_AUDIT_KEY set`,
        unchecked: true,
      },
    ];
  }
  if (chain.intact) return [];
  return [
    {
      ...(chain.brokenAt !== undefined ? { seq: chain.brokenAt } : {}),
      problem: chain.problem ?? 'the chain does not hold',
    },
  ];
}

const RESTORE = 'restore the file from a backup';
const REMOVE_LINE = `${RESTORE}, or remove the line if you accept losing it`;

interface KeptRecord {
  record: AuditRecord;
  line: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecord(value: unknown): value is AuditRecord {
  return (
    isObject(value) &&
    typeof value.stream === 'string' &&
    typeof value.seq === 'number' &&
    typeof value.hash === 'string'
  );
}

function isPromotion(value: unknown): value is Promotion {
  return isObject(value) && typeof value.id === 'string';
}

function isThreadNote(entry: Record<string, unknown>): boolean {
  return (
    typeof entry.promotionId === 'string' &&
    isObject(entry.thread) &&
    typeof entry.thread.channel === 'string' &&
    typeof entry.thread.messageId === 'string'
  );
}

/** Where a record sits: the first misnumbered one with that number, else the first with it. */
function lineOfRecord(kept: readonly KeptRecord[], seq: number | undefined): number | undefined {
  const misnumbered = kept.find((k, index) => k.record.seq === seq && index + 1 !== seq);
  return (misnumbered ?? kept.find((k) => k.record.seq === seq))?.line;
}

export function checkDataFolder(dataDir: string, key?: Buffer): FolderCheck {
  const path = join(dataDir, JOURNAL_FILE);
  if (!existsSync(path)) {
    const earlier = EARLIER_FILES.some((name) => existsSync(join(dataDir, name)));
    const problem = earlier
      ? `${path}: missing; ${dataDir} holds the layout before one journal: start Baton once (or run \`baton compact --data-dir ${dataDir}\`) to fold it into ${JOURNAL_FILE}, then check again`
      : `${path}: missing; is ${dataDir} the folder Baton keeps its records in (--data-dir, BATON_DATA_DIR)?`;
    return { problems: [problem], summary: '' };
  }
  const scan = scanJournal(path);
  const found: { line: number | undefined; text: string }[] = [];
  const problem = (line: number | undefined, text: string) =>
    found.push({ line, text: `${path}${line === undefined ? '' : `:${line}`}: ${text}` });
  for (const { line, torn } of scan.damaged) {
    if (torn)
      problem(
        line,
        'the last line is cut off (a crash in the middle of writing it); Baton cuts it off at its next start, losing only that unfinished change',
      );
    else problem(line, `not valid JSON; ${REMOVE_LINE}`);
  }
  const streams = new Map<string, KeptRecord[]>();
  const promotions = new Map<string, Promotion>();
  let archived = 0;
  const keep = (records: unknown[], line: number) => {
    if (!records.every(isRecord)) {
      problem(line, `holds an audit record without its stream, number or hash; ${REMOVE_LINE}`);
      return;
    }
    // As the store does: a line's records belong to the stream of its first.
    const stream = records[0]?.stream;
    if (stream === undefined) return;
    const kept = streams.get(stream) ?? [];
    kept.push(...records.map((record) => ({ record, line })));
    streams.set(stream, kept);
  };
  for (const { line, entry } of scan.entries) {
    if (!isObject(entry) || typeof entry.kind !== 'string') {
      problem(line, `not a journal entry (no kind); ${REMOVE_LINE}`);
      continue;
    }
    if (entry.kind === 'audit') keep([entry.record], line);
    if (entry.kind === 'transition') keep(Array.isArray(entry.records) ? entry.records : [undefined], line);
    if (entry.kind === 'archive') {
      // The promotion's records went into an evidence bundle: what the journal holds of it before this line is no longer kept.
      const id = isObject(entry.archived) ? entry.archived.id : undefined;
      if (typeof id !== 'string') problem(line, `holds an archived promotion without an id; ${REMOVE_LINE}`);
      else {
        promotions.delete(id);
        streams.delete(promotionStream(id));
        archived += 1;
      }
      if (entry.record !== undefined) keep([entry.record], line);
    }
    if (entry.kind === 'thread' && !isThreadNote(entry))
      problem(line, `holds a chat thread without its promotion id, channel or message id; ${REMOVE_LINE}`);
    if (entry.kind === 'promotion' || (entry.kind === 'transition' && entry.promotion !== undefined)) {
      if (isPromotion(entry.promotion)) promotions.set(entry.promotion.id, entry.promotion);
      else problem(line, `holds a promotion without an id; ${REMOVE_LINE}`);
    }
  }
  const streamOf = new Map([...promotions.values()].map((promotion) => [promotionStream(promotion.id), promotion]));
  // A promotion whose records are all gone is checked too: its stream is empty.
  for (const stream of new Set([...streams.keys(), ...streamOf.keys()])) {
    const kept = streams.get(stream) ?? [];
    const records = kept.map((k) => k.record);
    for (const { seq, problem: text, unchecked } of checkStream(records, streamOf.get(stream), key)) {
      problem(
        lineOfRecord(kept, seq),
        `audit stream ${stream}: ${text}${unchecked ? '' : `; ${RESTORE}: a chain cannot be mended without hiding what changed`}`,
      );
    }
  }
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return {
    // In file order; problems of a whole stream last.
    problems: found
      .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))
      .map((p) => p.text),
    summary: `${path}: ${count(scan.lines, 'line')}, ${count(promotions.size, 'promotion')}${archived > 0 ? ` (and ${archived} archived)` : ''}, ${count(streams.size, 'audit stream')}, every chain intact`,
  };
}
