/**
 * No-op steps per second through Baton's Redis engine vs raw BullMQ no-op
 * jobs per second, on the same throwaway Redis in one run, with the CPU each
 * unit costs on both sides; then the bot's memory with 10,000 finished
 * promotions in its history.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { AdapterLookup } from '../src/core/adapter-contract.ts';
import type { ChatOut } from '../src/chat/contract.ts';
import { ThreadPublisher } from '../src/chat/thread-publisher.ts';
import { AuditLog } from '../src/core/audit.ts';
import { PromotionIntents } from '../src/core/intents.ts';
import { runJob } from '../src/core/jobs.ts';
import { systemClock } from '../src/core/capabilities.ts';
import type { CoreRuntime } from '../src/core/runtime.ts';
import type { Engine } from '../src/engine/contract.ts';
import { createMemoryEngine } from '../src/engine/memory/index.ts';
import { createRedisEngine } from '../src/engine/redis/index.ts';
import { evidenceFilesOnDisk } from '../src/evidence-files.ts';
import { parsePipeline } from '../src/config-loader/load.ts';
import { LocalProgramSupervisor } from '../src/program-supervisor.ts';
import { throwawayCipher } from '../src/secrets-at-rest.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { noopAdapter, quiet } from './noop-adapter.ts';

const ENVIRONMENTS = 20;
const PROMOTIONS_PER_ENVIRONMENT = 5;
const STEPS_PER_PROMOTION = 20;
const CONCURRENCY = 16;
const ROUNDS = 3;
const HISTORY = 10_000;
const adapters: AdapterLookup = { get: (kind) => (kind === 'noop' ? noopAdapter : undefined), kinds: () => ['noop'] };

const components = Array.from({ length: STEPS_PER_PROMOTION }, (_, i) => `c${i}`);
const pipeline = parsePipeline(
  [
    'version: 1',
    'environments:',
    ...Array.from({ length: ENVIRONMENTS }, (_, i) => `  - name: env${i}`),
    'components:',
    ...components.map((c) => `  ${c}: { adapter: noop }`),
  ].join('\n'),
  'bench.yaml',
  { adapters },
);

function runtimeOf(engine: Engine, audit: AuditLog): CoreRuntime {
  return {
    pipeline,
    store: engine.store,
    queue: engine.queue,
    adapters,
    audit,
    clock: systemClock,
    secrets: { get: () => undefined },
    cipher: throwawayCipher(),
    logger: quiet,
    workDir: tmpdir(),
    retryDelayMs: 10,
    programs: new LocalProgramSupervisor(undefined),
    evidenceFiles: evidenceFilesOnDisk,
  };
}

interface Run {
  perSecond: number;
  /** CPU spent per unit, in milliseconds: this process, and the redis-server. */
  processCpuMs: number;
  redisCpuMs: number;
  /** Commands Redis ran per unit, a script's own calls included. */
  redisCommands: number;
}

/** Seconds of CPU the redis-server has used so far, and the commands it has run. */
async function redisUsage(url: string): Promise<{ cpuSeconds: number; commands: number }> {
  const client = new Redis(url);
  const info = await client.info('all');
  client.disconnect();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return { cpuSeconds: field('used_cpu_user') + field('used_cpu_sys'), commands: field('total_commands_processed') };
}

/** Times `work` (which handles `units` units) by the clock and by CPU, in this process and in Redis. */
async function measure(url: string, units: number, work: () => Promise<void>): Promise<Run> {
  const redisBefore = await redisUsage(url);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const redisAfter = await redisUsage(url);
  return {
    perSecond: units / seconds,
    processCpuMs: (cpu.user + cpu.system) / 1000 / units,
    redisCpuMs: ((redisAfter.cpuSeconds - redisBefore.cpuSeconds) * 1000) / units,
    redisCommands: (redisAfter.commands - redisBefore.commands) / units,
  };
}

/** A chat that takes every message at once: the outbox's own work is measured, not a platform's. */
const nullChat: ChatOut = {
  post: async (channel) => ({ channel, messageId: 'm' }),
  update: async () => {},
  reply: async (thread) => thread,
  fits: () => true,
};

/**
 * As one `baton start` process runs it: the step worker, every audit record
 * nudging its thread's outbox job, and the outbox posting to a chat that
 * answers at once.
 */
async function batonRun(url: string, prefix: string, environments: number): Promise<Run> {
  const engine = await createRedisEngine({ url, logger: quiet, prefix });
  const audit = new AuditLog(engine.store, systemClock, quiet);
  ThreadPublisher.feed(audit, engine.outbox);
  const stopSweeping = new ThreadPublisher(engine.store, nullChat, pipeline, quiet).consume(engine.outbox);
  const runtime = runtimeOf(engine, audit);
  const promotions = new PromotionIntents(runtime);
  const total = environments * PROMOTIONS_PER_ENVIRONMENT;
  let finished = 0;
  let failed = 0;
  let allFinished = () => {};
  const done = new Promise<void>((resolve) => (allFinished = resolve));
  audit.subscribe((record) => {
    if (record.type !== 'promotion.succeeded' && record.type !== 'promotion.failed') return;
    finished += 1;
    if (record.type === 'promotion.failed') failed += 1;
    if (finished === total) allFinished();
  });
  engine.queue.work((job) => runJob(runtime, job), { concurrency: CONCURRENCY });
  const versions = Object.fromEntries(components.map((c) => [c, '1.0.0']));
  const run = await measure(url, total * STEPS_PER_PROMOTION, async () => {
    for (let round = 0; round < PROMOTIONS_PER_ENVIRONMENT; round += 1) {
      for (let e = 0; e < environments; e += 1) {
        await promotions.request({
          release: { name: `r${round}`, versions },
          environment: `env${e}`,
          requestedBy: 'bench',
        });
      }
    }
    await done;
  });
  if (failed > 0) throw new Error(`${failed} promotions failed during the bench`);
  await engine.queue.close();
  stopSweeping();
  await engine.outbox.drained();
  await engine.outbox.close();
  await engine.store.close();
  return run;
}

async function rawRun(url: string, prefix: string, jobs: number): Promise<Run> {
  const connection = { url };
  const queue = new Queue('raw', { connection, prefix });
  let done = 0;
  let allDone = () => {};
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(
    'raw',
    async () => {
      done += 1;
      if (done === jobs) allDone();
    },
    { connection, prefix, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  const run = await measure(url, jobs, async () => {
    for (let i = 0; i < jobs; i += 1) await queue.add('noop', { i }, { jobId: `job-${i}` });
    await finished;
  });
  await worker.close();
  await queue.close();
  return run;
}

function median(runs: Run[], pick: (run: Run) => number): number {
  const sorted = runs.map(pick).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** RSS of a fresh process with the bot's modules loaded that opens the given data folder (the embedded engine replays it). */
function rssOfProcessOpening(dataDir: string): number {
  const script = `import './src/app.ts';
import { createMemoryEngine } from './src/engine/memory/index.ts';
const engine = createMemoryEngine({ dataDir: ${JSON.stringify(dataDir)}, logger: { info() {}, warn() {}, error() {} } });
await engine.store.listPromotions({ limit: 10 });
globalThis.gc?.();
console.log(process.memoryUsage().rss);`;
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`measuring RSS failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

async function rssWithHistory(): Promise<{ empty: number; full: number }> {
  const emptyDir = await mkdtemp(join(tmpdir(), 'baton-bench-empty-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const engine = createMemoryEngine({ dataDir, logger: quiet });
  const at = new Date().toISOString();
  for (let i = 1; i <= HISTORY; i += 1) {
    await engine.store.createPromotion({
      id: await engine.store.nextPromotionId(),
      release: { name: `r${i}`, versions: { api: `1.0.${i}`, worker: `1.0.${i}` } },
      environment: `env${i % ENVIRONMENTS}`,
      requestedBy: 'bench',
      requestedAt: at,
      channel: '#deploys',
      state: 'succeeded',
      steps: ['api', 'worker'].map((component) => ({
        id: `${i}.${component}`,
        component,
        adapter: 'script',
        version: `1.0.${i}`,
        previousVersion: `1.0.${i - 1}`,
        needs: [],
        wave: 0,
        preview: { summary: `will run deploy ${component}`, details: [], reversible: true, changes: true },
        status: 'succeeded',
        attempts: 1,
        outputs: {},
        log: ['deployed'],
      })),
      waves: [['api', 'worker']],
      approvals: [{ user: 'bob', at }],
      updatedAt: at,
    });
  }
  // The folder has one writer at a time: let go of it before the measured process opens it.
  await engine.store.close();
  const sizes = { empty: rssOfProcessOpening(emptyDir), full: rssOfProcessOpening(dataDir) };
  await rm(emptyDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
  return sizes;
}

const redis = await startRedisServer();
try {
  const steps = ENVIRONMENTS * PROMOTIONS_PER_ENVIRONMENT * STEPS_PER_PROMOTION;
  // Warm-up: connections, Lua scripts and JIT, for both sides alike.
  await rawRun(redis.url, 'warm-raw', steps / 10);
  await batonRun(redis.url, 'warm-baton', ENVIRONMENTS / 10);
  const raw: Run[] = [];
  const baton: Run[] = [];
  // Taken in turns, so that a busy moment of the machine falls on both sides.
  for (let round = 0; round < ROUNDS; round += 1) {
    raw.push(await rawRun(redis.url, `raw${round}`, steps));
    baton.push(await batonRun(redis.url, `baton${round}`, ENVIRONMENTS));
  }
  const row = (label: string, value: (runs: Run[]) => string) =>
    console.log(`${label.padEnd(26)}${value(raw).padStart(10)}${value(baton).padStart(12)}`);
  console.log(
    `${steps} no-op units per run, concurrency ${CONCURRENCY}, one throwaway redis-server; median of ${ROUNDS} runs taken in turns`,
  );
  console.log(
    `Baton: each step is claimed with its start record, observed, applied, and recorded with its result record and what it lets move on; its outbox posts to a chat that answers at once`,
  );
  console.log(`${''.padEnd(26)}${'raw BullMQ'.padStart(10)}${'Baton'.padStart(12)}`);
  row('units/s', (runs) => median(runs, (r) => r.perSecond).toFixed(0));
  for (let round = 0; round < ROUNDS; round += 1)
    row(`  run ${round + 1}`, (runs) => (runs[round]?.perSecond ?? 0).toFixed(0));
  row('CPU ms/unit, this process', (runs) => median(runs, (r) => r.processCpuMs).toFixed(2));
  row('CPU ms/unit, redis-server', (runs) => median(runs, (r) => r.redisCpuMs).toFixed(2));
  row('Redis calls/unit, scripts', (runs) => median(runs, (r) => r.redisCommands).toFixed(1));
  const ratio = median(baton, (r) => r.perSecond) / median(raw, (r) => r.perSecond);
  console.log(`ratio Baton / raw, units/s ${ratio.toFixed(2).padStart(10)}   (target ≥ 0.40)`);
  const rss = await rssWithHistory();
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `RSS of a bot process (its modules loaded), memory engine: ${mib(rss.empty)} empty, ${mib(rss.full)} with ${HISTORY} finished promotions in history`,
  );
} finally {
  await redis.stop();
}
