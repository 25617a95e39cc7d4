/**
 * `baton compact`: rewrites the embedded engine's journal to its live state
 * (every promotion, audit record and ledger entry; none of the lines they
 * superseded), atomically. Refuses while a bot holds the folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EARLIER_FILES, JOURNAL_FILE, MemoryStore } from '../engine/memory/memory-store.ts';
import { BatonError, ErrorCode } from '../errors.ts';
import { loadOutputCipher } from '../secrets-at-rest.ts';

function measure(path: string): { lines: number; bytes: number } {
  if (!existsSync(path)) return { lines: 0, bytes: 0 };
  const content = readFileSync(path);
  let lines = 0;
  for (let at = content.indexOf(0x0a); at !== -1; at = content.indexOf(0x0a, at + 1)) lines += 1;
  return { lines, bytes: content.length };
}

function size(bytes: number): string {
  return bytes < 10_000 ? `${bytes} bytes` : `${Math.round(bytes / 1024)} KB`;
}

/** Compacts the folder's journal and says what became of it, in one line. */
export async function compactDataFolder(
  dataDir: string,
  keys: { key?: string; previousKey?: string } = {},
): Promise<string> {
  const path = join(dataDir, JOURNAL_FILE);
  if (!existsSync(path) && !EARLIER_FILES.some((name) => existsSync(join(dataDir, name)))) {
    throw new BatonError(
      ErrorCode.NotFound,
      `${path} does not exist, so there is nothing to compact: is ${dataDir} the folder Baton keeps its records in (--data-dir, BATON_DATA_DIR)?`,
    );
  }
  const before = measure(path);
  // The store takes the folder's pid file, cuts a torn last line, folds the earlier layout in, and refuses a damaged file.
  const store = new MemoryStore(dataDir);
  let encrypted: number;
  try {
    // Sensitive outputs older versions kept in plain text are encrypted on the way, with the bot's own key.
    const cipher = await loadOutputCipher({ ...keys, dataDir, withoutKey: 'create' });
    encrypted = store.compact(cipher);
  } finally {
    await store.close();
  }
  const after = measure(path);
  const repaired = store.repaired
    ? ` (cut off the torn last line ${store.repaired.line}, ${store.repaired.bytes} bytes, a change a crash left unfinished)`
    : '';
  const secured =
    encrypted > 0
      ? `; ${encrypted} sensitive output value${encrypted === 1 ? '' : 's'} kept in plain text by an older version now encrypted`
      : '';
  return `${path}: ${before.lines} lines, ${size(before.bytes)} → ${after.lines} lines, ${size(after.bytes)}; every promotion, audit record and ledger entry kept${secured}${repaired}.\n`;
}
