/**
 * Append-only JSON-lines files: every change is one line, written to the file
 * before the call that made it returns, so a restart loses no record. Reading
 * replays the lines.
 *
 * Appends go through one open file, one write(2) per batch: lines asked for
 * before the code asking yields go out together, in the order asked for. The
 * write is synchronous on purpose: copying a few kilobytes to the page cache
 * takes microseconds, while handing it to the thread pool made everyone
 * awaiting an append (a promotion request awaits three before its answer)
 * wait a turn of the event loop or more each, milliseconds under load. Like
 * the asynchronous write, it does not wait for the disk (no fsync).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage } from './errors.ts';
import { KeyedBatches, type Pending } from './keyed-batches.ts';

export class Journal<T> {
  private fd: number | undefined;
  private readonly batches = new KeyedBatches<string, void>((_, batch) => this.writeLines(batch), 'microtask');

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Resolves once the entry is written to the file. */
  append(entry: T): Promise<void> {
    return this.batches.push(this.path, `${JSON.stringify(entry)}\n`);
  }

  private async writeLines(batch: Pending<string, void>[]): Promise<void> {
    try {
      this.writeAll(Buffer.from(batch.map((entry) => entry.input).join('')));
    } catch (error) {
      // Reopened on the next append: a file moved or a full disk freed may work again.
      this.closeFile();
      throw new Error(`Could not write to ${this.path}: ${errorMessage(error)}`, { cause: error });
    }
    for (const entry of batch) entry.resolve();
  }

  private writeAll(buffer: Buffer): void {
    this.fd ??= openSync(this.path, 'a');
    const fd = this.fd;
    for (let offset = 0; offset < buffer.length; ) {
      offset += writeSync(fd, buffer, offset, buffer.length - offset);
    }
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

  /** Every entry in order; a torn last line (a crash mid-write) is ignored. */
  read(): T[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const entries: T[] = [];
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as T);
      } catch (error) {
        if (index < lines.length - 2) throw new Error(`${this.path}: line ${index + 1} is not valid JSON; the file is damaged.`, { cause: error });
      }
    }
    return entries;
  }

  /** Replaces the file with `entries`, atomically; for start-up, before the first append. */
  rewrite(entries: readonly T[]): void {
    if (this.fd !== undefined) throw new Error(`${this.path} is being appended to; it can only be rewritten before the first append.`);
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(temporary, this.path);
  }
}
