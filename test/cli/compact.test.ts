/** `baton compact`: the journal rewritten to its live state, never under a running bot. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBaton } from '../../src/app.ts';
import { scanJournal } from '../../src/journal.ts';
import { checkDataFolder } from '../../src/data-folder/check.ts';
import { isTerminal } from '../../src/core/model.ts';
import { MemoryStore } from '../../src/engine/memory/memory-store.ts';
import { compactDataFolder } from '../../src/data-folder/compact.ts';
import { AesOutputCipher, KEY_VARIABLE, parseKey } from '../../src/secrets-at-rest.ts';
import { FakeTarget, fakeLookup } from '../support/fake-adapter.ts';
import { baton, folderWithRecords } from '../support/records-folder.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { archivedEntry, archivedRecord } from '../support/archived.ts';

/** What a reader of the folder sees: every promotion, every audit stream, the ledger. */
async function recordsIn(dataDir: string) {
  const streams = new Set<string>();
  for (const { entry } of scanJournal(join(dataDir, 'journal.jsonl')).entries) {
    const line = entry as { kind: string; record?: { stream: string }; records?: { stream: string }[] };
    for (const record of line.record ? [line.record] : (line.records ?? [])) streams.add(record.stream);
  }
  const store = new MemoryStore(dataDir, { compact: false });
  const audit = Object.fromEntries(
    await Promise.all([...streams].sort().map(async (stream) => [stream, await store.readAudit(stream)] as const)),
  );
  const promotions = await store.listPromotions();
  return {
    promotions,
    threads: await store.threadsOf(promotions.map((p) => p.id)),
    audit,
    ledger: await store.getLedger('dev'),
    verifiedAt: await store.verifiedAt('dev', 'api', '1.0.4'),
  };
}

describe('baton compact', () => {
  const folders: string[] = [];
  afterEach(async () => {
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every promotion, audit record and ledger entry, and shrinks the journal', async () => {
    const dataDir = await folderWithRecords();
    folders.push(dataDir);
    const file = join(dataDir, 'journal.jsonl');
    const before = await recordsIn(dataDir);
    const sizeBefore = (await stat(file)).size;
    expect(before.promotions).toHaveLength(4);
    expect(before.threads.size).toBe(4);
    expect(Object.keys(before.audit)).toEqual(['promotion-1', 'promotion-2', 'promotion-3', 'promotion-4']);

    const result = baton('compact', '--data-dir', dataDir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^${file}: \\d+ lines, \\d+ KB → \\d+ lines, \\d+ KB; every promotion, audit record and ledger entry kept\\.\\n$`,
      ),
    );

    expect((await stat(file)).size).toBeLessThan(sizeBefore / 2);
    expect(await recordsIn(dataDir)).toEqual(before);
    expect(checkDataFolder(dataDir).problems).toEqual([]);
    expect((await readdir(dataDir)).filter((name) => name.includes('journal') || name.includes('pid'))).toEqual([
      'journal.jsonl',
    ]);
    const store = new MemoryStore(dataDir);
    expect(await store.nextPromotionId()).toBe('5');
    await store.close();
  }, 60_000);

  it('keeps an archived promotion archived: the check skips what the journal held of it before, compaction keeps what is left of it', async () => {
    const dataDir = await folderWithRecords();
    folders.push(dataDir);
    const store = new MemoryStore(dataDir);
    const promotion = (await store.listPromotions()).find((p) => isTerminal(p.state) && p.audit);
    if (!promotion?.audit) throw new Error('the folder has no finished promotion');
    const stream = `promotion-${promotion.id}`;
    await store.advanceThreadCursor(stream, await store.threadCursor(stream), promotion.audit.count);
    const archived = archivedEntry(promotion);
    const record = await store.archivePromotion(archived, archivedRecord(promotion.id, 'dana'));
    expect(record?.stream).toBe('baton');
    await store.close();

    const checked = checkDataFolder(dataDir);
    expect(checked.problems).toEqual([]);
    expect(checked.summary).toContain('3 promotions (and 1 archived)');
    expect(baton('compact', '--data-dir', dataDir).code).toBe(0);
    expect(checkDataFolder(dataDir).problems).toEqual([]);
    const reopened = new MemoryStore(dataDir);
    expect(await reopened.getPromotion(promotion.id)).toBeUndefined();
    expect(await reopened.readAudit(stream)).toEqual([]);
    expect(await reopened.archivedPromotion(promotion.id)).toEqual(archived);
    expect(await reopened.readAudit('baton')).toEqual([record]);
    await reopened.close();
  }, 60_000);

  it('refuses while a bot holds the folder, changing nothing, while `baton plan` still reads it', async () => {
    const dataDir = await folderWithRecords(['1.0.1']);
    folders.push(dataDir);
    const file = join(dataDir, 'journal.jsonl');
    const running = await startBaton({
      configPath: join(dataDir, 'baton.yaml'),
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      adapters: fakeLookup(new FakeTarget()),
    });
    try {
      const content = await readFile(file);
      const pidFile = join(dataDir, 'baton.pid');
      const compact = baton('compact', '--data-dir', dataDir);
      expect(compact.code).toBe(1);
      expect(compact.stderr).toBe(
        `${dataDir} is in use by Baton process ${process.pid} (${pidFile}); stop it first. If no Baton runs there, remove ${pidFile}.\n`,
      );
      expect(await readFile(file)).toEqual(content);

      const plan = baton('plan', 'iam=1.0.0', '--to', 'dev', '-c', 'config/baton.example.yaml', '--data-dir', dataDir);
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('Plan: iam=1.0.0 → dev');
    } finally {
      await running.close();
    }
    expect(baton('compact', '--data-dir', dataDir).code).toBe(0);
  }, 60_000);
});

describe("the data folder's pid file", () => {
  const folders: string[] = [];
  afterEach(async () => {
    for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function emptyFolder(): Promise<string> {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-pid-'));
    folders.push(dataDir);
    return dataDir;
  }

  it('is taken over when the process that wrote it is gone, and removed at close', async () => {
    const dataDir = await emptyFolder();
    const pidFile = join(dataDir, 'baton.pid');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(pidFile, `${gone}\n`);
    const store = new MemoryStore(dataDir);
    expect((await readFile(pidFile, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await store.close();
    expect(existsSync(pidFile)).toBe(false);
  });

  it('keeps a second writer out while its process runs', async () => {
    const dataDir = await emptyFolder();
    const pidFile = join(dataDir, 'baton.pid');
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(pidFile, `${other.pid}\n`);
      expect(() => new MemoryStore(dataDir)).toThrow(
        `${dataDir} is in use by Baton process ${other.pid} (${pidFile}); stop it first.`,
      );
      expect(await readFile(pidFile, 'utf8')).toBe(`${other.pid}\n`);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('compacting records an older version kept', () => {
  it('encrypts sensitive outputs it finds in plain text, in promotions and the ledger, and the key reads them back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-compact-plain-'));
    try {
      const secret = 'pw-kept-in-plain-text-by-an-older-version';
      const step = {
        id: '1.iam',
        component: 'iam',
        adapter: 'terraform',
        version: '1',
        previousVersion: null,
        needs: [],
        wave: 0,
        preview: null,
        status: 'succeeded',
        attempts: 1,
        outputs: { db_password: secret, queue_url: 'https://q' },
        sensitiveOutputs: ['db_password'],
        log: [],
      };
      const promotion = {
        id: '1',
        release: { name: 'r', versions: { iam: '1' } },
        environment: 'dev',
        requestedBy: 'alice',
        requestedAt: 't',
        channel: '#d',
        state: 'succeeded',
        steps: [step],
        waves: [['iam']],
        approvals: [],
        updatedAt: 't',
      };
      const ledgerEntry = {
        version: '1',
        since: 't',
        promotionId: '1',
        outputs: step.outputs,
        sensitiveOutputs: ['db_password'],
      };
      await writeFile(
        join(dataDir, 'journal.jsonl'),
        [
          { kind: 'counter', value: 1 },
          { kind: 'promotion', promotion },
          { kind: 'ledger', environment: 'dev', component: 'iam', entry: ledgerEntry },
        ]
          .map((e) => `${JSON.stringify(e)}\n`)
          .join(''),
      );
      const key = 'u0ZyqvW8YHdTSKsvOj0j0Yl4e3ZyWl2kNrGgFZB6C5U=';
      expect(await compactDataFolder(dataDir, { key })).toContain(
        '2 sensitive output values kept in plain text by an older version now encrypted',
      );
      const journal = await readFile(join(dataDir, 'journal.jsonl'), 'utf8');
      expect(journal).not.toContain(secret);
      expect(journal).toContain('https://q');
      const store = new MemoryStore(dataDir, { compact: false });
      const cipher = new AesOutputCipher({ bytes: parseKey(key, KEY_VARIABLE), source: KEY_VARIABLE });
      expect(cipher.decrypt((await store.getLedger('dev')).iam?.outputs.db_password ?? '')).toBe(secret);
      expect(cipher.decrypt((await store.getPromotion('1'))?.steps[0]?.outputs.db_password ?? '')).toBe(secret);
      // A second compact finds nothing left to encrypt.
      expect(await compactDataFolder(dataDir, { key })).not.toContain('now encrypted');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
