/**
 * No-op steps per second through Baton's Redis engine vs raw BullMQ no-op
 * jobs per second, on the same throwaway Redis in one run; then the bot's
 * memory with 10,000 finished promotions in its history.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { z } from 'zod';
import type { AdapterLookup, TargetAdapter } from '../adapters/contract.ts';
import { AuditLog } from '../src/core/audit.ts';
import { PromotionService } from '../src/core/promotions.ts';
import { systemClock } from '../src/core/ports.ts';
import type { Engine } from '../src/engine/contracts.ts';
import { createMemoryEngine } from '../src/engine/memory/index.ts';
import { createRedisEngine } from '../src/engine/redis/index.ts';
import { parsePipeline } from '../src/pipeline/load.ts';
import { startRedisServer } from '../test/support/redis-server.ts';

const ENVIRONMENTS = 20;
const PROMOTIONS_PER_ENVIRONMENT = 5;
const STEPS_PER_PROMOTION = 20;
const CONCURRENCY = 16;
const HISTORY = 10_000;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

const noopAdapter: TargetAdapter<Record<string, never>> = {
  kind: 'noop',
  description: 'Does nothing, fast.',
  config: z.strictObject({}),
  step: { timeoutMs: 10_000, retries: 0 },
  current: async () => ({ version: null }),
  plan: async () => ({ summary: 'nothing', details: [], reversible: false, changes: true }),
  apply: async () => ({ outputs: {}, summary: 'done' }),
};
const adapters: AdapterLookup = { get: (kind) => (kind === 'noop' ? (noopAdapter as unknown as TargetAdapter) : undefined), kinds: () => ['noop'] };

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

function service(engine: Engine): PromotionService {
  return new PromotionService({
    pipeline,
    store: engine.store,
    queue: engine.queue,
    adapters,
    audit: new AuditLog(engine.store, systemClock, quiet),
    clock: systemClock,
    secrets: { get: () => undefined },
    logger: quiet,
    workDir: tmpdir(),
    retryDelayMs: 10,
  });
}

async function batonStepsPerSecond(url: string): Promise<number> {
  const engine = await createRedisEngine({ url, logger: quiet, prefix: 'bench-baton' });
  const promotions = service(engine);
  engine.queue.work((job) => promotions.runJob(job), { concurrency: CONCURRENCY });
  const versions = Object.fromEntries(components.map((c) => [c, '1.0.0']));
  const started = performance.now();
  for (let round = 0; round < PROMOTIONS_PER_ENVIRONMENT; round += 1) {
    for (let e = 0; e < ENVIRONMENTS; e += 1) {
      await promotions.request({ release: { name: `r${round}`, versions }, environment: `env${e}`, requestedBy: 'bench' });
    }
  }
  for (;;) {
    const open = await engine.store.listPromotions({ states: ['planning', 'approved', 'running'] });
    if (open.length === 0) break;
    // Polled gently: reading every unfinished promotion is work the bench would otherwise charge to Baton.
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = (await engine.store.listPromotions({ states: ['failed'] })).length;
  if (failed > 0) throw new Error(`${failed} promotions failed during the bench`);
  await engine.queue.close();
  await engine.outbox.close();
  await engine.store.close();
  return (ENVIRONMENTS * PROMOTIONS_PER_ENVIRONMENT * STEPS_PER_PROMOTION) / seconds;
}

async function rawBullJobsPerSecond(url: string): Promise<number> {
  const jobs = ENVIRONMENTS * PROMOTIONS_PER_ENVIRONMENT * STEPS_PER_PROMOTION;
  const connection = { url };
  const queue = new Queue('raw', { connection, prefix: 'bench-raw' });
  let done = 0;
  let allDone = () => {};
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = new Worker(
    'raw',
    async () => {
      done += 1;
      if (done === jobs) allDone();
    },
    { connection, prefix: 'bench-raw', concurrency: CONCURRENCY },
  );
  const started = performance.now();
  for (let i = 0; i < jobs; i += 1) await queue.add('noop', { i }, { jobId: `job-${i}` });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.close();
  return jobs / seconds;
}

/** RSS of a fresh bot process that opens the given data folder (the embedded engine replays it). */
function rssOfProcessOpening(dataDir: string): number {
  const script = `import { createMemoryEngine } from './src/engine/memory/index.ts';
const engine = createMemoryEngine({ dataDir: ${JSON.stringify(dataDir)}, logger: { info() {}, warn() {}, error() {} } });
await engine.store.listPromotions({ limit: 10 });
globalThis.gc?.();
console.log(process.memoryUsage().rss);`;
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
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
  const sizes = { empty: rssOfProcessOpening(emptyDir), full: rssOfProcessOpening(dataDir) };
  await rm(emptyDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
  return sizes;
}

const redis = await startRedisServer();
try {
  const raw = await rawBullJobsPerSecond(redis.url);
  const baton = await batonStepsPerSecond(redis.url);
  const steps = ENVIRONMENTS * PROMOTIONS_PER_ENVIRONMENT * STEPS_PER_PROMOTION;
  console.log(`${steps} no-op units, concurrency ${CONCURRENCY}, one throwaway redis-server`);
  console.log(`raw BullMQ jobs/s        ${raw.toFixed(0).padStart(8)}`);
  console.log(`Baton steps/s (redis)    ${baton.toFixed(0).padStart(8)}   (each step: claim, observe, apply, record, audit ×2, outbox ×2, advance)`);
  console.log(`ratio Baton / raw        ${(baton / raw).toFixed(2).padStart(8)}   (target ≥ 0.50)`);
  const rss = await rssWithHistory();
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(`RSS of a bot process, memory engine: ${mib(rss.empty)} empty, ${mib(rss.full)} with ${HISTORY} finished promotions in history`);
} finally {
  await redis.stop();
}
