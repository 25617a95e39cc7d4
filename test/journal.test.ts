import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../src/journal.ts';

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
    expect(new Journal<{ n: number }>(file).read().map((entry) => entry.n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
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
});
