import type * as NodeFs from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Journal, JournalDamage } from '../src/journal.ts';
import { sealAuditRecord, verifyAuditChain } from '../src/core/audit-record.ts';
import { MemoryStore } from '../src/engine/memory/memory-store.ts';
import { samplePromotion } from './engine/contract-suite.ts';

/** What the journal asked of the disk, in order, while `disk.watching`; `disk.syncMs` holds each sync in flight that long. */
const disk = vi.hoisted(() => ({ watching: false, syncMs: 0, events: [] as string[] }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  const writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    if (disk.watching) disk.events.push('write');
    return (fs.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof fs.writeSync;
  const fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    if (disk.watching) disk.events.push('sync');
    fs.fdatasync(fd, (error) =>
      setTimeout(() => {
        if (disk.watching) disk.events.push('synced');
        callback(error);
      }, disk.syncMs),
    );
  }) as typeof fs.fdatasync;
  return { ...fs, default: { ...fs, writeSync, fdatasync }, writeSync, fdatasync };
});

describe('Journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes appends asked for together as lines in the order asked, each call resolving once its line is in the file', async () => {
    const file = join(dir, 'entries.jsonl');
    const journal = new Journal<{ n: number }>(file);
    const written: number[] = [];
    await Promise.all(
      Array.from({ length: 500 }, (_, n) =>
        journal.append({ n }).then(async () => {
          const lines = (await readFile(file, 'utf8')).trim().split('\n');
          if (lines.length > n) written.push(n);
        }),
      ),
    );
    expect(written).toHaveLength(500);
    await journal.close();
    expect(new Journal<{ n: number }>(file).read().map((entry) => entry.n)).toEqual(
      Array.from({ length: 500 }, (_, n) => n),
    );
  });

  it('close waits for appends nobody awaited', async () => {
    const file = join(dir, 'entries.jsonl');
    const journal = new Journal<string>(file);
    for (const word of ['one', 'two', 'three']) void journal.append(word);
    await journal.close();
    expect(await readFile(file, 'utf8')).toBe('"one"\n"two"\n"three"\n');
  });

  it('rejects an append it could not write, naming the file, and writes again once the problem is gone', async () => {
    const file = join(dir, 'entries.jsonl');
    await mkdir(file);
    const journal = new Journal<string>(file);
    await expect(journal.append('lost')).rejects.toThrow(`Could not write to ${file}`);
    await rm(file, { recursive: true });
    await journal.append('kept');
    await journal.close();
    expect(new Journal<string>(file).read()).toEqual(['kept']);
  });

  it('refuses to rewrite a file it is appending to, which would send later lines to the replaced file', async () => {
    const journal = new Journal<string>(join(dir, 'entries.jsonl'));
    await journal.append('a');
    expect(() => journal.rewrite(['b'])).toThrow('can only be rewritten before the first append');
    await journal.close();
  });

  describe('on the disk before an append resolves', () => {
    afterEach(() => {
      disk.watching = false;
      disk.syncMs = 0;
      disk.events.length = 0;
    });

    it('resolves a burst of appends after one write and one fdatasync for all of them', async () => {
      const journal = new Journal<number>(join(dir, 'entries.jsonl'));
      disk.watching = true;
      await Promise.all(
        Array.from({ length: 100 }, (_, n) => journal.append(n).then(() => disk.events.push('resolved'))),
      );
      expect(disk.events).toEqual(['write', 'sync', 'synced', ...Array<string>(100).fill('resolved')]);
      await journal.close();
    });

    it('gathers the appends made while a sync runs into the next write and sync, resolving none before its own sync', async () => {
      const file = join(dir, 'entries.jsonl');
      const journal = new Journal<number>(file);
      disk.syncMs = 50;
      disk.watching = true;
      const first = journal.append(0).then(() => disk.events.push('resolved 0'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(disk.events).toEqual(['write', 'sync']);
      const rest = Array.from({ length: 20 }, (_, n) => journal.append(n + 1).then(() => disk.events.push('resolved')));
      await Promise.all([first, ...rest]);
      expect(disk.events).toEqual([
        'write',
        'sync',
        'synced',
        'resolved 0',
        'write',
        'sync',
        'synced',
        ...Array<string>(20).fill('resolved'),
      ]);
      await journal.close();
      expect(new Journal<number>(file).read()).toEqual(Array.from({ length: 21 }, (_, n) => n));
    });
  });

  describe('a line appended unsynced', () => {
    afterEach(() => {
      disk.watching = false;
      disk.events.length = 0;
    });

    it('resolves once written, and is on the disk with the next synced line, which waits for the disk', async () => {
      const file = join(dir, 'entries.jsonl');
      const journal = new Journal<string>(file);
      disk.watching = true;
      await journal.appendUnsynced('counter').then(() => disk.events.push('resolved counter'));
      await journal.append('promotion').then(() => disk.events.push('resolved promotion'));
      expect(disk.events).toEqual(['write', 'resolved counter', 'write', 'sync', 'synced', 'resolved promotion']);
      await journal.close();
      expect(await readFile(file, 'utf8')).toBe('"counter"\n"promotion"\n');
    });
  });

  describe('after a crash in the middle of a write', () => {
    /** mulberry32: the same cuts on every run. */
    function seeded(seed: number): () => number {
      let state = seed;
      return () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    type Entry = { n: number; note?: string };
    const entries: Entry[] = Array.from({ length: 12 }, (_, n) => ({
      n,
      note: `entry ${n}: «é» ${'x'.repeat(n * 7)}`,
    }));
    const whole = Buffer.from(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const lastStart = whole.length - Buffer.byteLength(`${JSON.stringify(entries.at(-1))}\n`);

    it('cuts off a last line torn at any byte, keeps every entry before it, and puts the next append on a line of its own', async () => {
      const random = seeded(20261105);
      // The first byte of the line, its newline only missing, and eight cuts in between (some inside a two-byte character).
      const cuts = [
        lastStart + 1,
        whole.length - 1,
        ...Array.from({ length: 8 }, () => lastStart + 2 + Math.floor(random() * (whole.length - lastStart - 3))),
      ];
      for (const cut of cuts) {
        const file = join(dir, `torn-at-${cut}.jsonl`);
        await writeFile(file, whole.subarray(0, cut));
        const journal = new Journal<Entry>(file);
        const opened = journal.open();
        expect(opened.entries, `cut at byte ${cut}`).toEqual(entries.slice(0, -1));
        expect(opened.repair, `cut at byte ${cut}`).toEqual({ file, line: entries.length, bytes: cut - lastStart });
        await journal.append({ n: 99 });
        await journal.close();
        expect(new Journal<Entry>(file).open(), `cut at byte ${cut}`).toEqual({
          entries: [...entries.slice(0, -1), { n: 99 }],
        });
      }
    });

    it('cuts off a whole last line that is not JSON, such as the zeros a power cut can leave', async () => {
      const file = join(dir, 'zeros.jsonl');
      await writeFile(file, Buffer.concat([whole, Buffer.alloc(300), Buffer.from('\n')]));
      const journal = new Journal<Entry>(file);
      expect(journal.open()).toEqual({ entries, repair: { file, line: entries.length + 1, bytes: 301 } });
      await journal.append({ n: 99 });
      await journal.close();
      expect(new Journal<Entry>(file).read()).toEqual([...entries, { n: 99 }]);
    });

    it('only reading leaves a torn last line in place: it may be a write under way in the bot beside', async () => {
      const file = join(dir, 'journal.jsonl');
      await writeFile(file, whole.subarray(0, whole.length - 5));
      expect(new Journal<Entry>(file).read()).toEqual(entries.slice(0, -1));
      expect(new MemoryStore(dir, { compact: false }).repaired).toBeUndefined();
      expect(await readFile(file)).toEqual(whole.subarray(0, whole.length - 5));
    });

    it('refuses a damaged line that is not the last, naming the file, the line and what to do, and changes nothing', async () => {
      const file = join(dir, 'journal.jsonl');
      const damaged = Buffer.concat([whole.subarray(0, lastStart - 10), Buffer.from('\n'), whole.subarray(lastStart)]);
      await writeFile(file, damaged);
      const journal = new Journal<Entry>(file);
      expect(() => journal.open()).toThrow(JournalDamage);
      expect(() => journal.open()).toThrow(
        `${file}: line 11 is not valid JSON, and it is not the last line, so it is not a write cut off by a crash. ` +
          `Run \`baton check --data-dir ${dir}\` to see every problem; restore journal.jsonl from a backup, or remove the damaged line if you accept losing it.`,
      );
      expect(await readFile(file)).toEqual(damaged);
    });
  });
});

describe('the embedded store after a crash in the middle of a write', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-journal-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const requested = (id: string) => (previous?: { hash: string; seq: number }) =>
    sealAuditRecord(
      `promotion-${id}`,
      { type: 'promotion.requested', actor: 'alice', summary: 'asked', promotionId: id },
      previous,
      'then',
    );

  it('starts with every promotion written before the torn line, says what it cut, and keeps what it writes next', async () => {
    const file = join(dir, 'journal.jsonl');
    const store = new MemoryStore(dir);
    await store.createPromotion(samplePromotion('1'), [requested('1')]);
    await store.createPromotion(samplePromotion('2'), [requested('2')]);
    await store.close();
    const content = await readFile(file);
    const lastStart = content.lastIndexOf('\n', content.length - 2) + 1;
    await writeFile(file, content.subarray(0, lastStart + 40));

    const restarted = new MemoryStore(dir);
    expect(restarted.repaired).toEqual({ file, line: 2, bytes: 40 });
    expect((await restarted.getPromotion('1'))?.id).toBe('1');
    expect(await restarted.getPromotion('2')).toBeUndefined();
    await restarted.createPromotion(samplePromotion('3'), [requested('3')]);
    await restarted.close();

    const again = new MemoryStore(dir);
    expect(again.repaired).toBeUndefined();
    expect((await again.listPromotions()).map((p) => p.id)).toEqual(['3', '1']);
    expect(verifyAuditChain(await again.readAudit('promotion-3'))).toEqual({ intact: true });
    await again.close();
  });
});
