/** `baton check`: a data folder's records checked offline, each problem on a line of its own with what to do. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit-record.ts';
import { baton, folderWithRecords } from '../support/records-folder.ts';

interface Line {
  text: string;
  entry?: { kind: string; promotion?: { id: string }; records?: AuditRecord[] };
}

describe('baton check', () => {
  let healthy: string;
  const copies: string[] = [];
  beforeAll(async () => {
    healthy = await folderWithRecords();
  }, 60_000);
  afterAll(async () => {
    for (const dir of [healthy, ...copies]) await rm(dir, { recursive: true, force: true });
  });

  /** The healthy folder's journal, line by line, in a folder of its own to damage. */
  async function copyOfJournal(): Promise<{ dir: string; file: string; lines: Line[] }> {
    const dir = await mkdtemp(join(tmpdir(), 'baton-check-'));
    copies.push(dir);
    await cp(join(healthy, 'journal.jsonl'), join(dir, 'journal.jsonl'));
    const file = join(dir, 'journal.jsonl');
    const lines = (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((text) => ({ text, entry: JSON.parse(text) as Line['entry'] }));
    return { dir, file, lines };
  }

  it('passes a healthy folder with a one-line summary', () => {
    const result = baton('check', '--data-dir', healthy);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^.*journal\.jsonl: \d+ lines, 4 promotions, 4 audit streams, every chain intact\n$/);
    expect(result.stdout.startsWith(join(healthy, 'journal.jsonl'))).toBe(true);
  });

  it('names a changed record, a removed line and a line that is not JSON, each with its line and what to do; exits 1 and changes nothing', async () => {
    const { dir, file, lines } = await copyOfJournal();
    const withRecords = (id: string) =>
      lines.filter(
        (l) => l.entry?.kind === 'transition' && l.entry.promotion?.id === id && (l.entry.records?.length ?? 0) > 0,
      );
    // Promotion 1: a record's summary rewritten in place.
    const changed = withRecords('1')[2];
    const changedRecord = changed?.entry?.records?.[0];
    if (!changed?.entry?.records || !changedRecord) throw new Error('the folder has too few records');
    changed.text = JSON.stringify({
      ...changed.entry,
      records: [{ ...changedRecord, summary: 'nothing happened here' }, ...changed.entry.records.slice(1)],
    });
    // Promotion 2: a line of records removed.
    const [, , removed, after] = withRecords('2');
    const removedSeq = removed?.entry?.records?.[0]?.seq;
    const afterSeq = after?.entry?.records?.[0]?.seq;
    if (!removed || !after || removedSeq === undefined || afterSeq === undefined)
      throw new Error('the folder has too few records');
    lines.splice(lines.indexOf(removed), 1);
    // And a line that is not JSON, second in the file.
    lines.splice(1, 0, { text: '{"kind":"transition","promo' });
    const content = `${lines.map((l) => l.text).join('\n')}\n`;
    await writeFile(file, content);
    const lineOf = (line: Line) => lines.indexOf(line) + 1;

    const result = baton('check', '--data-dir', dir);
    expect(result.code).toBe(1);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      `${file}:2: not valid JSON; restore the file from a backup, or remove the line if you accept losing it`,
      `${file}:${lineOf(changed)}: audit stream promotion-1: record ${changedRecord.seq} was changed after it was written; restore the file from a backup: a chain cannot be mended without hiding what changed`,
      `${file}:${lineOf(after)}: audit stream promotion-2: record ${removedSeq} is numbered ${afterSeq}: a record was removed or reordered; restore the file from a backup: a chain cannot be mended without hiding what changed`,
    ]);
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('names a line of a chat thread that lacks its message id', async () => {
    const { dir, file, lines } = await copyOfJournal();
    const thread = lines.find((l) => l.entry?.kind === 'thread');
    if (!thread) throw new Error('the folder has no thread line');
    thread.text = JSON.stringify({ kind: 'thread', promotionId: '1', thread: { channel: '#deploys' } });
    await writeFile(file, `${lines.map((l) => l.text).join('\n')}\n`);

    const result = baton('check', '--data-dir', dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${file}:${lines.indexOf(thread) + 1}: holds a chat thread without its promotion id, channel or message id; restore the file from a backup, or remove the line if you accept losing it\n`,
    );
  });

  it('says a torn last line is cut off at the next start, and leaves it there', async () => {
    const { dir, file, lines } = await copyOfJournal();
    const content = `${lines.map((l) => l.text).join('\n')}\n{"kind":"cursor","str`;
    await writeFile(file, content);

    const result = baton('check', '--data-dir', dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${file}:${lines.length + 1}: the last line is cut off (a crash in the middle of writing it); Baton cuts it off at its next start, losing only that unfinished change\n`,
    );
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('is where `baton start` points when the journal is damaged in the middle', async () => {
    const { dir, file, lines } = await copyOfJournal();
    lines.splice(3, 0, { text: 'garbage' });
    await writeFile(file, `${lines.map((l) => l.text).join('\n')}\n`);

    const start = baton('start', '--port', '0', '-c', 'config/baton.example.yaml', '--data-dir', dir);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`${file}: line 4 is not valid JSON, and it is not the last line`);
    expect(start.stderr).toContain(
      `Run \`baton check --data-dir ${dir}\` to see every problem; restore journal.jsonl from a backup, or remove the damaged line if you accept losing it.`,
    );
  });
});
