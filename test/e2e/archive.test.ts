/**
 * Retention on the embedded engine, as a team runs it: `retention:` archives
 * finished promotions older than `keep` into signed evidence bundles on its
 * schedule, the store keeps only where each went, `/promote audit` and the
 * evidence API say so and check the bundle, and Baton's own stream chains a
 * record of every one. `baton archive` does the same from the command line
 * once the bot is stopped.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBaton } from '../../src/app.ts';
import { archiveCutoff, archiveFromCommandLine } from '../../src/cli-archive.ts';
import { verifyAuditChain } from '../../src/core/audit-record.ts';
import { MemoryStore } from '../../src/engine/memory/memory-store.ts';
import { verifyEvidence } from '../../src/verify-evidence.ts';
import { EVIDENCE_TOKEN } from '../support/api-tokens.ts';
import { consoleClient, replyText, type ConsoleClient } from '../support/console-client.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const DAY = 86_400_000;

function config(retention: string): string {
  return `version: 1
${retention}
environments:
  - name: dev
    channel: "#deploys"
components:
  api: { adapter: script, with: { apply: [node, -e, "0"] } }
`;
}

let dir: string;
let started: StartedBaton | undefined;
let chat: ConsoleClient;
const signing = generateKeyPairSync('ed25519').privateKey;

async function start(retention: string): Promise<StartedBaton> {
  await writeFile(join(dir, 'baton.yaml'), config(retention));
  started = await startExampleBaton(join(dir, 'baton.yaml'), undefined, {
    reconcileIntervalMs: 100,
    auditKeys: { signing },
  });
  chat = consoleClient(started.baton.url);
  return started;
}

/** Promotes a version to dev and waits until it succeeded and its whole thread was posted. */
async function promote(baton: StartedBaton, version: string): Promise<string> {
  const reply = replyText(await chat.command('alice', `/promote api=${version} to dev`));
  const id = /promotion #(\d+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no promotion was created: ${reply}`);
  await expect
    .poll(async () => (await baton.baton.engine.store.getPromotion(id))?.state, { timeout: 10_000 })
    .toBe('succeeded');
  const { store } = baton.baton.engine;
  await expect
    .poll(async () => (await store.threadCursor(`promotion-${id}`)) === (await store.getPromotion(id))?.audit?.count, {
      timeout: 10_000,
    })
    .toBe(true);
  return id;
}

async function audit(id: string): Promise<string> {
  return replyText(await chat.command('carol', `/promote audit ${id}`));
}

/** The bundle written for a promotion: named by its id and the start of its SHA-256. */
function bundleIn(folder: string, id: string): string | undefined {
  const name = existsSync(folder)
    ? readdirSync(folder).find((file) => new RegExp(`^promotion-${id}-[0-9a-f]{16}\\.evidence\\.json$`).test(file))
    : undefined;
  return name === undefined ? undefined : join(folder, name);
}

function evidence(baton: StartedBaton, id: string): Promise<Response> {
  return fetch(`${baton.baton.url}/api/promotions/evidence?id=${id}`, {
    headers: { authorization: `Bearer ${EVIDENCE_TOKEN}` },
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-archive-'));
});
afterEach(async () => {
  await started?.stop();
  started = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('retention on a schedule', () => {
  it('archives what finished more than `keep` ago into signed bundles, and leaves the rest', async () => {
    const baton = await start('retention: { keep: 30d, every: 1h, to: archive }');
    const old = [await promote(baton, '1.0.0'), await promote(baton, '1.1.0')];
    baton.clock.advance(20 * DAY);
    const recent = await promote(baton, '1.2.0');
    baton.clock.advance(15 * DAY);

    const bundleOf = (id: string) => bundleIn(join(dir, 'archive'), id) ?? `no bundle of #${id}`;
    await expect.poll(() => old.every((id) => existsSync(bundleOf(id))), { timeout: 10_000 }).toBe(true);
    const { store } = baton.baton.engine;
    await expect
      .poll(async () => (await store.archivedPromotion(old[1] ?? ''))?.bundle, { timeout: 10_000 })
      .toBe(bundleOf(old[1] ?? ''));

    expect((await store.listPromotions()).map((p) => p.id)).toEqual([recent]);
    expect(replyText(await chat.command('carol', '/promote history dev'))).not.toContain(`#${old[0]} `);
    expect(existsSync(bundleOf(recent))).toBe(false);

    const told = await audit(old[0] ?? '');
    expect(told).toContain(`Promotion #${old[0]} (dev, succeeded, requested by alice) was archived on`);
    expect(told).toContain(`are in the evidence bundle ${bundleOf(old[0] ?? '')}, SHA-256`);
    expect(told).toContain('The bundle is the one archived (its SHA-256 matches). Hash chain intact:');
    expect(told).toContain("Its signature holds under this bot's key.");

    // The bundle stands on its own: `baton verify` checks its signature, chain and anchor offline.
    const offline = verifyEvidence({ bundlePath: bundleOf(old[0] ?? '') });
    expect(offline.holds).toBe(true);
    // The API hands out the archived bundle as it was written.
    const served = await evidence(baton, old[0] ?? '');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(await readFile(bundleOf(old[0] ?? ''), 'utf8')));

    // Baton's own stream holds a record of each, chained.
    const records = await store.readAudit('baton');
    expect(
      records
        .filter((r) => r.type === 'promotion.archived')
        .map((r) => r.promotionId)
        .sort(),
    ).toEqual([...old].sort());
    expect(verifyAuditChain(records).intact).toBe(true);

    // Nothing can act on an archived promotion: it says where the records went.
    expect(replyText(await chat.click('bob', 'rollback', old[1] ?? ''))).toContain(
      `Promotion #${old[1]} was archived on`,
    );
  });

  it('says so when a bundle was changed or moved after it was archived', async () => {
    const baton = await start('retention: { keep: 1d, every: 1m, to: archive }');
    const id = await promote(baton, '1.0.0');
    baton.clock.advance(2 * DAY);
    await expect
      .poll(async () => (await baton.baton.engine.store.archivedPromotion(id)) !== undefined, { timeout: 10_000 })
      .toBe(true);
    const bundle = bundleIn(join(dir, 'archive'), id) ?? '';

    await writeFile(bundle, (await readFile(bundle, 'utf8')).replace('"alice"', '"mallory"'));
    expect(await audit(id)).toContain(`The file at ${bundle} is NOT the bundle that was archived: its SHA-256 is`);
    const changed = await evidence(baton, id);
    expect(changed.status).toBe(410);
    expect(((await changed.json()) as { error: string }).error).toContain(`Promotion #${id} was archived on`);

    await rm(bundle);
    expect(await audit(id)).toContain(`The bundle is not at ${bundle} on this bot's machine.`);
  });
});

describe('retention on shared records', () => {
  it("refuses to start without a folder of its own: a bot's data folder would hold the only copy of the evidence", async () => {
    await writeFile(join(dir, 'baton.yaml'), config('retention: { keep: 400d }'));
    const redis = await startRedisServer();
    try {
      await expect(
        startBaton({
          configPath: join(dir, 'baton.yaml'),
          dataDir: join(dir, 'data'),
          host: '127.0.0.1',
          port: 0,
          logger: silentLogger,
          redisUrl: redis.url,
          encryptionKey: randomBytes(32).toString('base64'),
        }),
      ).rejects.toThrow('retention needs "to" when the records are shared (REDIS_URL or DATABASE_URL is set)');
    } finally {
      await redis.stop();
    }
  });
});

describe('baton archive', () => {
  it("archives a stopped bot's data folder before a date, and refuses while a bot holds it", async () => {
    const baton = await start('');
    const ids = [await promote(baton, '1.0.0'), await promote(baton, '1.1.0')];
    const out = join(dir, 'out');
    const cli = spawnSync(
      process.execPath,
      ['bin/baton.js', 'archive', '--before', '2099-01-01', '--out', out, '--data-dir', baton.dataDir],
      { encoding: 'utf8', env: { ...process.env, REDIS_URL: '', DATABASE_URL: '' } },
    );
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`${baton.dataDir} is in use by Baton process ${process.pid}`);
    expect(existsSync(out)).toBe(false);
    await baton.baton.close();

    const options = { before: '2099-01-01', out, dataDir: baton.dataDir, actor: 'dana' };

    const said = await archiveFromCommandLine(options, {}, silentLogger);
    expect(said).toContain(
      `Archived 2 promotions that finished before 2099-01-01T00:00:00.000Z into ${out}: #${ids[1]}, #${ids[0]}.`,
    );
    // Run again: nothing left to do.
    expect(await archiveFromCommandLine(options, {}, silentLogger)).toContain('No promotion that finished before');

    const store = new MemoryStore(baton.dataDir);
    try {
      expect(await store.listPromotions()).toEqual([]);
      expect((await store.archivedPromotion(ids[0] ?? ''))?.bundle).toBe(bundleIn(out, ids[0] ?? ''));
      const records = await store.readAudit('baton');
      expect(records.map((r) => [r.actor, r.promotionId])).toEqual(
        ids
          .slice()
          .reverse()
          .map((id) => ['dana', id]),
      );
    } finally {
      await store.close();
    }
    await rm(baton.dataDir, { recursive: true, force: true });
    started = undefined;
  });

  it('takes a date or how long ago, and says what it takes otherwise', () => {
    const now = new Date('2026-12-05T00:00:00.000Z');
    expect(archiveCutoff('2025-11-01', now).toISOString()).toBe('2025-11-01T00:00:00.000Z');
    expect(archiveCutoff('400d', now).toISOString()).toBe('2025-10-31T00:00:00.000Z');
    expect(() => archiveCutoff('last year', now)).toThrow(
      '--before takes a date such as 2025-11-01 (or 2025-11-01T12:00:00Z) or how long ago, such as 400d; "last year" is neither.',
    );
  });
});
