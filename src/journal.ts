/**
 * Append-only JSON-lines files: every change is one line, written before the
 * call returns, so a restart loses no record. Reading replays the lines.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class Journal<T> {
  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(entry: T): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
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

  /** Replaces the file with `entries`, atomically. */
  rewrite(entries: readonly T[]): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(temporary, this.path);
  }
}
