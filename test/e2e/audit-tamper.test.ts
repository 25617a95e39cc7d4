/**
 * An audit log edited behind Baton's back is caught wherever a person looks:
 * `/promote audit`, the evidence API (JSON and Markdown), `baton verify` on
 * the saved bundle and, on the embedded engine, `baton check` — whether a
 * record was cut from the end, taken from the middle, changed, or the whole
 * chain was rewritten without the audit key. Run on the embedded engine
 * (the journal edited while the bot is stopped) and on Redis (the keys edited
 * under a running bot), with a chain key and a signing key set.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaton, type BatonOptions, type RunningBaton } from '../../src/app.ts';
import { promotionStream } from '../../src/core/audit.ts';
import { hashAuditRecord, type AuditAnchor, type AuditRecord } from '../../src/core/audit-record.ts';
import { evidenceSignatureHolds, type EvidenceBundle } from '../../src/core/evidence.ts';
import type { Promotion } from '../../src/core/model.ts';
import { JOURNAL_FILE } from '../../src/engine/memory/memory-store.ts';
import { EVIDENCE_HEADERS, TEST_API_TOKENS } from '../support/api-tokens.ts';
import { consoleClient, replyText, type ConsoleClient } from '../support/console-client.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';

const CONFIG = `
version: 1
environments:
  - name: dev
components:
  db:
    adapter: script
    with:
      apply: ["true"]
`;

/** As an operator sets BATON_AUDIT_KEY: the CLI reads the same text as UTF-8 bytes. */
const CHAIN_KEY_TEXT = 'k3y-for-the-audit-chain-of-this-test-0123456789';
const CHAIN_KEY = Buffer.from(CHAIN_KEY_TEXT, 'utf8');

/** Tests wait on command-line runs started before them: each loads all of Baton, a second or more of CPU. */
const CLI_WAIT_MS = 60_000;

/** What someone with write access to the records did to a promotion's stream, and what each check must then say. */
interface Tampering {
  name: string;
  /** The stream's records after the edit; `reanchor` when the promotion's anchor was rewritten to match them. */
  edit(records: AuditRecord[]): AuditRecord[];
  reanchor?: boolean;
  problem(records: AuditRecord[]): string;
}

/** The record deleted or changed: one in the middle, so neither end of the chain is involved. */
const MIDDLE = 3;

function withoutHash(record: AuditRecord): Omit<AuditRecord, 'hash'> {
  const { hash: _hash, ...rest } = record;
  return rest;
}

const TAMPERINGS: Tampering[] = [
  {
    name: 'its last two records deleted',
    edit: (records) => records.slice(0, -2),
    problem: (records) =>
      `the log ends at record ${records.length - 2}, the promotion says ${records.length}: records were cut from its end`,
  },
  {
    name: 'a record deleted from the middle',
    edit: (records) => records.filter((r) => r.seq !== MIDDLE),
    problem: () => `record ${MIDDLE} is numbered ${MIDDLE + 1}: a record was removed or reordered`,
  },
  {
    name: 'one record’s summary changed',
    edit: (records) =>
      records.map((r) => (r.seq === MIDDLE ? { ...r, summary: `${r.summary} (and nothing else)` } : r)),
    problem: () => `record ${MIDDLE} was changed after it was written`,
  },
  {
    name: 'its whole chain recomputed without the key, anchor included',
    // What write access without the key allows: change a record, then re-seal every record with plain SHA-256, linked.
    edit: (records) => {
      let previousHash = '0'.repeat(64);
      return records.map((r) => {
        const { mac: _mac, ...unsealed } = withoutHash(r);
        const forged = {
          ...unsealed,
          previousHash,
          ...(r.seq === MIDDLE ? { summary: `${r.summary} (and nothing else)` } : {}),
        };
        previousHash = hashAuditRecord(forged);
        return { ...forged, hash: previousHash };
      });
    },
    reanchor: true,
    problem: () =>
      'record 1 is not sealed with the audit key: it was written before BATON_AUDIT_KEY was set, or rewritten by someone without the key',
  },
];

function anchorOf(records: readonly AuditRecord[]): AuditAnchor {
  const last = records.at(-1);
  if (!last) throw new Error('no records to anchor');
  return { head: last.hash, count: last.seq };
}

/** A promotion tampered with, and its records as they were written; #1 stays untouched. */
interface Tampered {
  id: string;
  tampering: Tampering;
  original: AuditRecord[];
}

interface CliResult {
  code: number | null;
  out: string;
}

/** The real `baton` command line, as an auditor runs it, with the audit key in its environment. */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/baton.js', ...args],
      { env: { ...process.env, BATON_AUDIT_KEY: CHAIN_KEY_TEXT }, encoding: 'utf8' },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
}

/** The embedded journal rewritten in place: each record of `stream` replaced by the edited one of its number, or dropped. */
function editJournal(dataDir: string, id: string, edited: AuditRecord[], anchor?: AuditAnchor): void {
  const path = join(dataDir, JOURNAL_FILE);
  const stream = promotionStream(id);
  const bySeq = new Map(edited.map((r) => [r.seq, r]));
  const swap = (records: AuditRecord[]) =>
    records.flatMap((r) => {
      const kept = r.stream === stream ? bySeq.get(r.seq) : r;
      return kept ? [kept] : [];
    });
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const kept = lines.flatMap((line) => {
    const entry = JSON.parse(line) as {
      kind: string;
      record?: AuditRecord;
      records?: AuditRecord[];
      promotion?: Promotion;
    };
    if (entry.kind === 'audit' && entry.record)
      return swap([entry.record]).map((record) => JSON.stringify({ ...entry, record }));
    if (entry.records) entry.records = swap(entry.records);
    if (anchor && entry.promotion?.id === id) entry.promotion = { ...entry.promotion, audit: anchor };
    return [JSON.stringify(entry)];
  });
  writeFileSync(path, `${kept.join('\n')}\n`);
}

/** The Redis keys rewritten under the running bot: the stream, its head, and (when asked) the promotion's anchor. */
async function editRedis(redis: Redis, id: string, edited: AuditRecord[], anchor?: AuditAnchor): Promise<void> {
  const stream = promotionStream(id);
  await redis.del(`baton:audit:${stream}`);
  for (const record of edited)
    await redis.xadd(`baton:audit:${stream}`, `${record.seq}-0`, 'record', JSON.stringify(record));
  const last = edited.at(-1);
  if (last) await redis.set(`baton:audit-head:${stream}`, `${last.seq} ${last.hash}`);
  if (anchor) {
    const promotion = JSON.parse((await redis.get(`baton:promotion:${id}`)) ?? '{}') as Promotion;
    await redis.set(`baton:promotion:${id}`, JSON.stringify({ ...promotion, audit: anchor }));
  }
}

describe.each(['embedded', 'redis'] as const)('a tampered audit log on the %s engine', (kind) => {
  let dir: string;
  let dataDir: string;
  let redisServer: RedisServer | undefined;
  let redis: Redis | undefined;
  let baton: RunningBaton;
  let chat: ConsoleClient;
  let publicKeyPath: string;
  /** The command-line runs, started together once the records are in place: each takes a second of CPU to start. */
  const runs = new Map<string, Promise<CliResult>>();
  const tampered: Tampered[] = [];
  const signing = generateKeyPairSync('ed25519').privateKey;

  const options = (): BatonOptions => ({
    configPath: join(dir, 'baton.yaml'),
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    retryDelayMs: 10,
    auditKeys: { chain: CHAIN_KEY, signing },
    apiTokens: TEST_API_TOKENS,
    ...(redisServer ? { redisUrl: redisServer.url } : {}),
  });

  async function promote(version: number): Promise<string> {
    const reply = replyText(await chat.command('alice', `/promote db=${version} to dev`));
    const id = /promotion #(\d+)/.exec(reply)?.[1];
    if (!id) throw new Error(`no promotion was created: ${reply}`);
    await baton.idle();
    expect((await chat.promotionMessage(id)).message.text).toContain('succeeded');
    return id;
  }

  async function auditStream(id: string): Promise<AuditRecord[]> {
    return (await evidence(id)).events;
  }

  async function evidence(id: string): Promise<EvidenceBundle> {
    return (await (
      await fetch(`${baton.url}/api/promotions/evidence?id=${id}`, { headers: EVIDENCE_HEADERS })
    ).json()) as EvidenceBundle;
  }

  async function saveEvidence(
    id: string,
    edit?: { name: string; change(bundle: EvidenceBundle): EvidenceBundle },
  ): Promise<string> {
    const path = join(dir, `evidence-${id}-${edit?.name ?? 'as-served'}.json`);
    const bundle = await evidence(id);
    await writeFile(path, JSON.stringify(edit ? edit.change(bundle) : bundle, null, 2));
    return path;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-tamper-'));
    dataDir = join(dir, 'data');
    await writeFile(join(dir, 'baton.yaml'), CONFIG);
    if (kind === 'redis') {
      redisServer = await startRedisServer();
      redis = new Redis(redisServer.url);
    }
    baton = await startBaton(options());
    chat = consoleClient(baton.url);
    // #1 is left alone; #2.. get one tampering each.
    await promote(1);
    for (const [index, tampering] of TAMPERINGS.entries()) {
      const id = await promote(index + 2);
      tampered.push({ id, tampering, original: await auditStream(id) });
    }
    const pem = await (await fetch(`${baton.url}/api/audit/public-key`)).text();
    publicKeyPath = join(dir, 'baton.pem');
    await writeFile(publicKeyPath, pem);

    const edits = tampered.map(({ id, tampering, original }) => {
      const edited = tampering.edit(original);
      return { id, edited, anchor: tampering.reanchor ? anchorOf(edited) : undefined };
    });
    if (redis) {
      for (const { id, edited, anchor } of edits) await editRedis(redis, id, edited, anchor);
    } else {
      await baton.close();
      const untouched = join(dir, 'untouched');
      await mkdir(untouched);
      await copyFile(join(dataDir, JOURNAL_FILE), join(untouched, JOURNAL_FILE));
      runs.set('check untouched', cli(['check', '--data-dir', untouched]));
      for (const { id, edited, anchor } of edits) editJournal(dataDir, id, edited, anchor);
      baton = await startBaton(options());
      chat = consoleClient(baton.url);
      runs.set('check', cli(['check', '--data-dir', dataDir]));
    }
    const verify = (path: string) => cli(['verify', path, '--public-key', publicKeyPath]);
    runs.set('verify 1', verify(await saveEvidence('1')));
    runs.set(
      'verify 1 summary edited',
      verify(
        await saveEvidence('1', {
          name: 'summary',
          change: (b) => ({
            ...b,
            events: b.events.map((e) => (e.seq === MIDDLE ? { ...e, summary: 'nothing happened' } : e)),
          }),
        }),
      ),
    );
    // Outside the chain: only the signature can tell.
    runs.set(
      'verify 1 requester edited',
      verify(
        await saveEvidence('1', {
          name: 'requester',
          change: (b) => ({ ...b, promotion: { ...b.promotion, requestedBy: 'mallory' } }),
        }),
      ),
    );
    for (const { id } of tampered) runs.set(`verify ${id}`, verify(await saveEvidence(id)));
  });

  function run(name: string): Promise<CliResult> {
    const started = runs.get(name);
    if (!started) throw new Error(`${name} was not started`);
    return started;
  }

  afterAll(async () => {
    await baton?.close();
    redis?.disconnect();
    await redisServer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'reports the untouched promotion intact everywhere, with a signature that holds under the bot’s public key',
    async () => {
      const bundle = await evidence('1');
      expect(bundle.chain).toEqual({ intact: true });
      expect(bundle.events.length).toBeGreaterThan(MIDDLE + 2);
      expect(bundle.events.every((e) => e.mac === 'hmac-sha256')).toBe(true);
      expect(bundle.promotion.audit).toEqual(anchorOf(bundle.events));
      const published = createPublicKey(readFileSync(publicKeyPath, 'utf8'));
      expect(evidenceSignatureHolds(bundle, published)).toBe(true);
      expect(evidenceSignatureHolds(bundle, createPublicKey(generateKeyPairSync('ed25519').privateKey))).toBe(false);
      // The bundle says where the thread people read was posted, under the signature.
      expect(bundle.thread).toEqual({ channel: expect.any(String), messageId: expect.any(String) });
      const elsewhere = { ...bundle, thread: { channel: bundle.thread?.channel ?? '', messageId: 'another' } };
      expect(evidenceSignatureHolds(elsewhere, published)).toBe(false);

      const intact = `Hash chain intact: ${bundle.events.length} events, each sealed with HMAC-SHA-256 under the audit key over the one before.`;
      expect(replyText(await chat.command('bob', '/promote audit 1'))).toContain(intact);
      expect(
        await (
          await fetch(`${baton.url}/api/promotions/evidence?id=1&format=md`, { headers: EVIDENCE_HEADERS })
        ).text(),
      ).toContain(intact);

      const verified = await run('verify 1');
      expect(verified.out).toContain('Signature: valid, made with the private key of the public key given.');
      expect(verified.out).toContain(intact);
      expect(verified.code).toBe(0);

      if (kind === 'embedded') {
        const checked = await run('check untouched');
        expect(checked.out).toMatch(/journal\.jsonl: \d+ lines, 5 promotions, \d+ audit streams?, every chain intact/);
        expect(checked.code).toBe(0);
      }
    },
    CLI_WAIT_MS,
  );

  it(
    'fails `baton verify` on a bundle edited after download, on its signature',
    async () => {
      const editedSummary = await run('verify 1 summary edited');
      const editedRequester = await run('verify 1 requester edited');
      const invalid = 'Signature: INVALID — the bundle was changed after it was signed, or signed with another key.';
      expect(editedSummary.out).toContain(invalid);
      expect(editedSummary.out).toContain(`Hash chain BROKEN: record ${MIDDLE} was changed after it was written`);
      expect(editedSummary.code).toBe(1);
      expect(editedRequester.out).toContain(invalid);
      expect(editedRequester.out).toContain('Hash chain intact');
      expect(editedRequester.code).toBe(1);
    },
    CLI_WAIT_MS,
  );

  it.each(TAMPERINGS.map((t, index) => [t.name, index] as const))(
    'reports a promotion with %s as broken everywhere',
    async (_name, index) => {
      const { id, tampering, original } = tampered[index]!;
      const broken = `Hash chain BROKEN: ${tampering.problem(original)}. The log was altered after it was written.`;

      const reply = await chat.command('bob', `/promote audit ${id}`);
      expect(replyText(reply)).toContain(broken);
      expect(reply.message.tone).toBe('bad');

      const bundle = await evidence(id);
      expect(bundle.chain.intact).toBe(false);
      expect(bundle.chain.problem).toBe(tampering.problem(original));
      expect(
        await (
          await fetch(`${baton.url}/api/promotions/evidence?id=${id}&format=md`, { headers: EVIDENCE_HEADERS })
        ).text(),
      ).toContain(broken);

      const verified = await run(`verify ${id}`);
      // The bot signed what it found: the signature holds, and the chain in it does not.
      expect(verified.out).toContain('Signature: valid');
      expect(verified.out).toContain(broken);
      expect(verified.code).toBe(1);
    },
    CLI_WAIT_MS,
  );

  // `baton check` reads the embedded engine's journal; Redis has no data folder to check.
  if (kind === 'embedded') {
    it(
      'fails `baton check` on the journal, naming each tampered stream and nothing else',
      async () => {
        const checked = await run('check');
        expect(checked.code).toBe(1);
        for (const { id, tampering, original } of tampered) {
          expect(checked.out).toContain(`audit stream ${promotionStream(id)}: ${tampering.problem(original)}`);
        }
        expect(checked.out).not.toContain(`audit stream ${promotionStream('1')}:`);
      },
      CLI_WAIT_MS,
    );
  }
});
