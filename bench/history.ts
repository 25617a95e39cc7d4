/**
 * History at scale: finished promotions (two steps and four audit records
 * each, over 1,000 environments and two years) loaded straight into each
 * engine's storage, then `/promote history <env> --limit 20` p50/p99, the
 * DORA window of one environment over 90 days, the evidence of one promotion
 * with its chain verified, and the memory of a real bot process (`baton
 * start`) empty and full — PostgreSQL at 1,000,000 promotions beside Redis
 * and the embedded engine at 100,000. BENCH_PG_PROMOTIONS,
 * BENCH_OTHER_PROMOTIONS and BENCH_ENVIRONMENTS scale it.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { promotionStream, AuditLog } from '../src/core/audit.ts';
import { buildEvidence } from '../src/core/evidence.ts';
import { systemClock } from '../src/core/capabilities.ts';
import type { Store } from '../src/engine/contract.ts';
import { MemoryStore } from '../src/engine/memory/memory-store.ts';
import { openPostgresRecords } from '../src/engine/postgres/index.ts';
import { createRedisEngine } from '../src/engine/redis/index.ts';
import { startBatonProcess } from '../test/support/baton-process.ts';
import { createThrowawayDatabase } from '../test/support/postgres-database.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { HISTORY_ENDS } from '../test/support/finished-promotions.ts';
import { loadEmbedded, loadRedis } from '../test/support/raw-history.ts';
import { loadPostgres } from './history-loaders.ts';
import { quiet } from './noop-adapter.ts';

function count(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number above 0.`);
  return value;
}

const PG_PROMOTIONS = count('BENCH_PG_PROMOTIONS', 1_000_000);
const OTHER_PROMOTIONS = count('BENCH_OTHER_PROMOTIONS', 100_000);
const ENVIRONMENTS = count('BENCH_ENVIRONMENTS', 1000);
const HISTORY_QUERIES = 1000;
const DORA_RUNS = 20;
const KEY = 'u0ZyqvW8YHdTSKsvOj0j0Yl4e3ZyWl2kNrGgFZB6C5U=';
const logger = { ...quiet, debug: () => {} };

interface Figures {
  engine: string;
  promotions: number;
  historyP50: number;
  historyP99: number;
  dora: { label: string; ms: number };
  evidenceMs: number;
  chainIntact: boolean;
  rssEmpty: number;
  rssFull: number;
  /** Bytes each promotion costs where the engine keeps it, and where that is. */
  perPromotion: { bytes: number; where: string };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function historyLatency(store: Store): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < HISTORY_QUERIES; i += 1) {
    const environment = `env-${(i * 7919) % ENVIRONMENTS}`;
    const started = performance.now();
    const found = await store.listPromotions({ environment, limit: 20 });
    times.push(performance.now() - started);
    if (found.length === 0) throw new Error(`the history of ${environment} came back empty`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function evidenceOfOne(store: Store, id: string): Promise<{ ms: number; intact: boolean }> {
  const audit = new AuditLog(store, systemClock, logger);
  const started = performance.now();
  const promotion = await store.getPromotion(id);
  if (!promotion) throw new Error(`promotion #${id} is missing`);
  const bundle = buildEvidence(promotion, await store.readAudit(promotionStream(id)), audit, await store.threadOf(id));
  return { ms: performance.now() - started, intact: bundle.chain.intact && bundle.events.length === 4 };
}

async function timed(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return percentile(
    times.sort((a, b) => a - b),
    0.5,
  );
}

const CONFIG = `version: 1
environments:
  - { name: env-0, channel: "#deploys" }
  - { name: env-1, channel: "#deploys" }
components:
  api:
    adapter: script
    with: { apply: [node, -e, "0"] }
`;

/** RSS of a real bot (`baton start`) on the given records, a few seconds after it says it runs. */
async function botRss(dir: string, dataDir: string, env: Record<string, string>): Promise<number> {
  const configPath = join(dir, 'baton.yaml');
  await writeFile(configPath, CONFIG);
  const bot = await startBatonProcess(
    ['start', '-c', configPath, '--port', '0', '--workers', '0', '--data-dir', dataDir],
    { BATON_ENCRYPTION_KEY: KEY, ...env },
    /Baton is running/,
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const status = await readFile(`/proc/${bot.child.pid ?? 0}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } finally {
    await bot.kill();
  }
}

async function onPostgres(dir: string): Promise<Figures> {
  const database = await createThrowawayDatabase();
  const queues = await startRedisServer();
  const env = { DATABASE_URL: database.url, REDIS_URL: queues.url };
  try {
    const records = await openPostgresRecords({ url: database.url, logger, use: 'shared' });
    const size = async () =>
      Number(
        (await database.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size'))[0]?.size ?? 0,
      );
    const rssEmpty = await botRss(dir, join(dir, 'pg-data'), env);
    const emptySize = await size();
    const loadStarted = performance.now();
    let reported = 0;
    await loadPostgres(database.url, PG_PROMOTIONS, ENVIRONMENTS, (done) => {
      if (done - reported >= 100_000) {
        reported = done;
        process.stderr.write(
          `postgres: ${done} promotions loaded in ${Math.round((performance.now() - loadStarted) / 1000)} s\n`,
        );
      }
    });
    const fullSize = await size();
    const history = await historyLatency(records.store);
    const doraMs = await timed(DORA_RUNS, () => records.deploymentWindow('env-42', 90, new Date(HISTORY_ENDS)));
    const evidence = await evidenceOfOne(records.store, String(Math.floor(PG_PROMOTIONS / 2)));
    const rssFull = await botRss(dir, join(dir, 'pg-data'), env);
    await records.store.close();
    return {
      engine: 'postgres',
      promotions: PG_PROMOTIONS,
      historyP50: history.p50,
      historyP99: history.p99,
      dora: { label: 'DORA window in SQL', ms: doraMs },
      evidenceMs: evidence.ms,
      chainIntact: evidence.intact,
      rssEmpty,
      rssFull,
      perPromotion: { bytes: (fullSize - emptySize) / PG_PROMOTIONS, where: 'database on disk, indexes included' },
    };
  } finally {
    await queues.stop();
    await database.drop();
  }
}

async function onRedis(dir: string): Promise<Figures> {
  const server = await startRedisServer();
  try {
    const env = { REDIS_URL: server.url };
    const raw = new Redis(server.url);
    const used = async () => Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1] ?? 0);
    const rssEmpty = await botRss(dir, join(dir, 'redis-data'), env);
    const emptyUsed = await used();
    await loadRedis(raw, OTHER_PROMOTIONS, ENVIRONMENTS);
    const fullUsed = await used();
    const engine = await createRedisEngine({ url: server.url, logger });
    const history = await historyLatency(engine.store);
    const doraMs = await timed(DORA_RUNS, () => engine.store.listPromotions({ environment: 'env-42' }));
    const evidence = await evidenceOfOne(engine.store, String(Math.floor(OTHER_PROMOTIONS / 2)));
    const rssFull = await botRss(dir, join(dir, 'redis-data'), env);
    await engine.queue.close();
    await engine.outbox.close();
    await engine.store.close();
    raw.disconnect();
    return {
      engine: 'redis',
      promotions: OTHER_PROMOTIONS,
      historyP50: history.p50,
      historyP99: history.p99,
      dora: { label: "the environment's promotions read for DORA", ms: doraMs },
      evidenceMs: evidence.ms,
      chainIntact: evidence.intact,
      rssEmpty,
      rssFull,
      perPromotion: { bytes: (fullUsed - emptyUsed) / OTHER_PROMOTIONS, where: 'Redis memory (used_memory)' },
    };
  } finally {
    await server.stop();
  }
}

async function onEmbedded(dir: string): Promise<Figures> {
  const emptyDir = join(dir, 'embedded-empty');
  const fullDir = join(dir, 'embedded-full');
  const rssEmpty = await botRss(dir, emptyDir, {});
  await mkdir(fullDir, { recursive: true });
  await loadEmbedded(join(fullDir, 'journal.jsonl'), OTHER_PROMOTIONS, ENVIRONMENTS);
  const journalBytes = (await stat(join(fullDir, 'journal.jsonl'))).size;
  const rssFull = await botRss(dir, fullDir, {});
  const store = new MemoryStore(fullDir, { compact: false });
  const history = await historyLatency(store);
  const doraMs = await timed(DORA_RUNS, () => store.listPromotions({ environment: 'env-42' }));
  const evidence = await evidenceOfOne(store, String(Math.floor(OTHER_PROMOTIONS / 2)));
  await store.close();
  return {
    engine: 'embedded',
    promotions: OTHER_PROMOTIONS,
    historyP50: history.p50,
    historyP99: history.p99,
    dora: { label: "the environment's promotions read for DORA", ms: doraMs },
    evidenceMs: evidence.ms,
    chainIntact: evidence.intact,
    rssEmpty,
    rssFull,
    perPromotion: {
      bytes: (rssFull - rssEmpty) / OTHER_PROMOTIONS,
      where: `bot memory (journal on disk: ${Math.round(journalBytes / OTHER_PROMOTIONS)} B each)`,
    },
  };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ms = (value: number) => `${value.toFixed(2)} ms`;

const dir = await mkdtemp(join(tmpdir(), 'baton-bench-history-'));
try {
  const results: Figures[] = [];
  for (const run of [onPostgres, onRedis, onEmbedded]) results.push(await run(dir));
  console.log(
    `history at scale: ${ENVIRONMENTS} environments over two years, two steps and four audit records per promotion`,
  );
  for (const f of results) {
    console.log(
      [
        `${f.engine.padEnd(9)} ${f.promotions.toLocaleString('en')} promotions`,
        `  history <env> --limit 20: p50 ${ms(f.historyP50)}, p99 ${ms(f.historyP99)}`,
        `  ${f.dora.label}, 90 days of one environment: ${ms(f.dora.ms)} (p50 of ${DORA_RUNS})`,
        `  evidence of one promotion, chain ${f.chainIntact ? 'verified' : 'BROKEN'}: ${ms(f.evidenceMs)}`,
        `  bot RSS: ${mib(f.rssEmpty)} empty, ${mib(f.rssFull)} with the history (${f.rssFull - f.rssEmpty >= 0 ? '+' : ''}${mib(f.rssFull - f.rssEmpty)})`,
        `  per promotion: ${Math.round(f.perPromotion.bytes).toLocaleString('en')} B of ${f.perPromotion.where}`,
      ].join('\n'),
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
