/**
 * Append-only JSON-lines files: every change is one line, synced to disk
 * before the call that made it resolves, written in batches with one sync per
 * burst (group commit). Why the write is synchronous and the sync is not:
 * docs/architecture.md, "The embedded journal".
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { errorMessage } from './errors.ts';
import { KeyedBatches, type Pending } from './keyed-batches.ts';

/** A torn or unparsable last line cut off the file at open: a crash in the middle of writing it. */
export interface JournalRepair {
  file: string;
  /** The line cut off, counted from 1. */
  line: number;
  /** Bytes cut from the end of the file. */
  bytes: number;
}

/** A damaged line that is not the last one: no crash leaves that, so nothing is guessed. */
export class JournalDamage extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
  ) {
    super(
      `${file}: line ${line} is not valid JSON, and it is not the last line, so it is not a write cut off by a crash. ` +
        `Run \`baton check --data-dir ${dirname(file)}\` to see every problem; restore ${basename(file)} from a backup, or remove the damaged line if you accept losing it.`,
    );
    this.name = 'JournalDamage';
  }
}

let syncs = 0;

/** How many times journals were synced to the disk in this process: a benchmark's measure of group commit. */
export function journalSyncs(): number {
  return syncs;
}

function writeFully(fd: number, buffer: Buffer): void {
  for (let offset = 0; offset < buffer.length;) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

/** A line to append, and whether its append waits for the disk. */
interface Line {
  text: string;
  sync: boolean;
}

/** A line of a file and where it ends; the last one has no end when the file does not finish with a newline. */
interface LineFound {
  text: string;
  /** Byte offset just past the line's newline. */
  end: number | undefined;
}

function splitLines(content: Buffer): LineFound[] {
  const lines: LineFound[] = [];
  for (let start = 0; start < content.length;) {
    const newline = content.indexOf(0x0a, start);
    const end = newline === -1 ? undefined : newline + 1;
    lines.push({ text: content.toString('utf8', start, newline === -1 ? content.length : newline), end });
    start = end ?? content.length;
  }
  return lines;
}

const BLANK = Symbol('blank line');

/** The line's entry, BLANK, or undefined when the line is not JSON. */
function parseLine<T>(text: string): T | typeof BLANK | undefined {
  if (text.trim() === '') return BLANK;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A journal's lines as found, damaged ones too; for `baton check`, which reports rather than refuses. */
export interface JournalScan {
  lines: number;
  entries: { line: number; entry: unknown }[];
  /** Lines that are not JSON; `torn` when it is the last one, cut off at the next open. */
  damaged: { line: number; torn: boolean }[];
}

export function scanJournal(path: string): JournalScan {
  const lines = splitLines(readFileSync(path));
  const scan: JournalScan = { lines: lines.length, entries: [], damaged: [] };
  for (const [index, line] of lines.entries()) {
    const parsed = line.end === undefined ? undefined : parseLine<unknown>(line.text);
    if (parsed === undefined) scan.damaged.push({ line: index + 1, torn: index === lines.length - 1 });
    else if (parsed !== BLANK) scan.entries.push({ line: index + 1, entry: parsed });
  }
  return scan;
}

export class Journal<T> {
  private fd: number | undefined;
  private readonly batches = new KeyedBatches<Line, void>((_, batch) => this.writeLines(batch), 'microtask');

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Resolves once the entry is written to the file and synced to the disk. */
  append(entry: T): Promise<void> {
    return this.batches.push(this.path, { text: `${JSON.stringify(entry)}\n`, sync: true });
  }

  /**
   * Resolves once the entry is written to the file, before the disk has it:
   * only for a line nobody hears of until a later line, appended synced, is
   * on the disk, since a sync covers every line written before it. Spares
   * a sync on a path someone waits on.
   */
  appendUnsynced(entry: T): Promise<void> {
    return this.batches.push(this.path, { text: `${JSON.stringify(entry)}\n`, sync: false });
  }

  private async writeLines(batch: Pending<Line, void>[]): Promise<void> {
    try {
      const fd = this.writeAll(Buffer.from(batch.map((entry) => entry.input.text).join('')));
      if (batch.some((entry) => entry.input.sync)) {
        syncs += 1;
        await datasync(fd);
      }
    } catch (error) {
      // Reopened on the next append: a file moved or a full disk freed may work again.
      this.closeFile();
      throw new Error(`Could not write to ${this.path}: ${errorMessage(error)}`, { cause: error });
    }
    for (const entry of batch) entry.resolve();
  }

  private writeAll(buffer: Buffer): number {
    this.fd ??= openSync(this.path, 'a');
    writeFully(this.fd, buffer);
    return this.fd;
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  /** Waits for the appends asked for so far, then lets go of the file; a later append opens it again. */
  async close(): Promise<void> {
    await this.batches.idle();
    this.closeFile();
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  /**
   * Every entry in order, leaving the file as it is: a torn last line (a
   * crash mid-write, or a write under way in another process) is left out.
   * Throws JournalDamage for a damaged line anywhere else.
   */
  read(): T[] {
    return this.parse().entries;
  }

  /**
   * Every entry in order, for the one process that appends: a torn or
   * unparsable last line is cut off the file, so the next append starts on a
   * line of its own, and the cut is returned. Throws JournalDamage for a
   * damaged line anywhere else.
   */
  open(): { entries: T[]; repair?: JournalRepair } {
    if (this.fd !== undefined)
      throw new Error(`${this.path} is being appended to; it is opened before the first append.`);
    const { entries, torn } = this.parse();
    if (!torn) return { entries };
    truncateSync(this.path, torn.from);
    return { entries, repair: { file: this.path, line: torn.line, bytes: torn.size - torn.from } };
  }

  private parse(): { entries: T[]; torn?: { line: number; from: number; size: number } } {
    if (!existsSync(this.path)) return { entries: [] };
    const content = readFileSync(this.path);
    const lines = splitLines(content);
    const entries: T[] = [];
    let goodEnd = 0;
    for (const [index, line] of lines.entries()) {
      const last = index === lines.length - 1;
      // Every append ends with a newline: a line without one was cut off, whatever it holds.
      const parsed = line.end === undefined ? undefined : parseLine<T>(line.text);
      if (parsed === undefined) {
        if (last) return { entries, torn: { line: index + 1, from: goodEnd, size: content.length } };
        throw new JournalDamage(this.path, index + 1);
      }
      if (parsed !== BLANK) entries.push(parsed);
      goodEnd = line.end ?? content.length;
    }
    return { entries };
  }

  /**
   * Replaces the file with `entries` atomically and durably (a synced copy
   * renamed over it, then the folder synced); before the first append only.
   */
  rewrite(entries: readonly T[]): void {
    if (this.fd !== undefined)
      throw new Error(`${this.path} is being appended to; it can only be rewritten before the first append.`);
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeFully(fd, Buffer.from(entries.map((e) => `${JSON.stringify(e)}\n`).join('')));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    // The rename itself is on the disk only once the folder is.
    const folder = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }
}
