/**
 * Slash-command ack latency at a fixed request rate: Baton (the whole bot,
 * memory engine) vs a bare Bolt app that only acks, both behind Bolt's HTTP
 * receiver, in one run. Slack's side (the stand-in and the load) runs on a
 * worker thread, so what the apps do after an ack cannot hold up the clock
 * that times it. Requests are signed as Slack signs them and sent open loop:
 * each leaves on its schedule whatever became of the earlier ones, and its
 * latency counts from that schedule.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { App, HTTPReceiver } from '@slack/bolt';
import { createAdapterLookup } from '../adapters/registry.ts';
import { startBaton } from '../src/app.ts';
import { SLACK_EVENTS_PATH } from '../src/chat/slack/settings.ts';
import { journalSyncs } from '../src/journal.ts';
import { sendSlashCommand } from '../test/harness/slack/signed-requests.ts';
import { startSlackStandIn, type SlackStandIn } from '../test/harness/slack/slack-stand-in.ts';
import { noopAdapter, quiet } from './noop-adapter.ts';
import { silentSlackLogger } from '../test/harness/slack/silent-logger.ts';

const RATE_PER_SECOND = 50;
const WARM_UP_MS = 2_000;
const ROUND_MS = 3_000;
const ROUNDS = 12;
const SETTLE_MS = 200;
const TARGET_RATIO = 1.5;
const SIGNING_SECRET = 'bench-signing-secret';
const CHANNEL = 'C0DEPLOYS1';
const USERS = ['UALICE0001', 'UBOB000001', 'UCAROL0001'];

// Promotions to dev run at once and finish, so `status` lists the few under way rather than all ever requested.
const CONFIG = `version: 1
environments:
  - name: dev
    channel: ${CHANNEL}
components:
  api: { adapter: noop }
`;

/** What the apps' thread asks Slack's side for: a round of load on one app. */
interface RoundOrder {
  eventsUrl: string;
  durationMs: number;
  /** Numbers the requests, so every promotion asks for a version not asked for before. */
  firstRequest: number;
}

interface Load {
  /** Ack latencies in ms, from each request's scheduled send to its HTTP answer. */
  latencies: number[];
  /** Answers other than 200, and requests that got no answer. */
  failures: number;
}

interface Round extends Load {
  /** Time the apps' thread spent running code, per request, ms. */
  busyMsPerRequest: number;
  /** Promotions requested, and journal syncs (fdatasync) until their work settled. */
  promotions: number;
  syncs: number;
}

/** Mostly `status`, and every fifth request a real promotion. */
function commandText(n: number): string {
  if (n % 5 === 0) return `api=1.0.${n} to dev`;
  return n % 5 === 1 ? 'help' : 'status';
}

/** Slack's side: each request leaves at its time, answered or not. */
async function sendRound(slack: SlackStandIn, order: RoundOrder): Promise<Load> {
  const count = Math.round((order.durationMs / 1000) * RATE_PER_SECOND);
  const load: Load = { latencies: [], failures: 0 };
  const start = performance.now() + 20;
  const requests = Array.from({ length: count }, (_, i) => {
    const due = start + (i * 1000) / RATE_PER_SECOND;
    const n = order.firstRequest + i;
    const user = USERS[n % USERS.length] ?? 'UALICE0001';
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        const fields = { user_id: user, channel_id: CHANNEL, text: commandText(n), response_url: slack.responseUrl({ user, channel: CHANNEL }) };
        sendSlashCommand(order.eventsUrl, SIGNING_SECRET, fields)
          .then(
            (answer) => (answer.status === 200 ? load.latencies.push(performance.now() - due) : (load.failures += 1)),
            () => (load.failures += 1),
          )
          .finally(resolve);
      }, due - performance.now());
    });
  });
  await Promise.all(requests);
  return load;
}

async function runSlackSide(port: NonNullable<typeof parentPort>): Promise<void> {
  const slack = await startSlackStandIn({ rateLimit: null });
  port.on('message', (order: RoundOrder | 'stop') => {
    if (order === 'stop') {
      void slack.close().then(() => port.close());
      return;
    }
    void sendRound(slack, order).then((load) => port.postMessage(load));
  });
  port.postMessage(slack.apiUrl);
}

interface Target {
  name: string;
  eventsUrl: string;
  /** Resolves when the work the requests started is done. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function startBare(apiUrl: string): Promise<Target> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logger: silentSlackLogger });
  const app = new App({ token: 'xoxb-test', receiver, logger: silentSlackLogger, clientOptions: { slackApiUrl: apiUrl }, deferInitialization: true });
  app.command('/promote', async ({ ack }) => {
    await ack();
  });
  await app.init();
  const server = createServer(receiver.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name: 'bare Bolt',
    eventsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`,
    settle: () => pause(SETTLE_MS),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startBatonTarget(apiUrl: string): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-ack-'));
  const configPath = join(dataDir, 'baton.yaml');
  await writeFile(configPath, CONFIG);
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: quiet,
    adapters: createAdapterLookup(new Map([['noop', noopAdapter]])),
    slack: { botToken: 'xoxb-test', connection: { mode: 'http', signingSecret: SIGNING_SECRET }, apiUrl, channelIntervalMs: 0 },
  });
  return {
    name: 'Baton',
    eventsUrl: `${baton.url}${SLACK_EVENTS_PATH}`,
    async settle() {
      await baton.idle();
      await pause(SETTLE_MS);
    },
    async stop() {
      await baton.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sortedLatencies = (rounds: Round[]) => rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
const p99 = (rounds: Round[]) => percentile(sortedLatencies(rounds), 99);

function report(bare: Round[], baton: Round[], loadBefore: number): void {
  const row = (label: string, value: (rounds: Round[]) => string) => console.log(`${label.padEnd(30)}${value(bare).padStart(16)}${value(baton).padStart(20)}`);
  const ms = (value: number) => value.toFixed(2);
  console.log(
    `/promote at ${RATE_PER_SECOND}/s open loop, unique trigger ids; ${ROUNDS} rounds of ${ROUND_MS / 1000} s per side taken in turns, after ${WARM_UP_MS / 1000} s of warm-up each`,
  );
  console.log('mix: 3/5 `status`, 1/5 `help`, 1/5 a promotion to dev (planned, one no-op step run, its thread posted)');
  console.log(
    `apps on the main thread, Slack stand-in and load on a worker; load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)} on ${availableParallelism()} CPUs`,
  );
  console.log('ack latency, ms, from scheduled send to HTTP answer');
  console.log(`${''.padEnd(30)}${'bare Bolt'.padStart(16)}${'Baton'.padStart(20)}`);
  row('p50', (rounds) => ms(percentile(sortedLatencies(rounds), 50)));
  row('p99', (rounds) => ms(p99(rounds)));
  row('max', (rounds) => ms(sortedLatencies(rounds).at(-1) ?? Number.NaN));
  row('acks / failed', (rounds) => `${sortedLatencies(rounds).length} / ${rounds.reduce((sum, r) => sum + r.failures, 0)}`);
  row('apps thread busy, ms/request', (rounds) => ms(rounds.reduce((sum, r) => sum + r.busyMsPerRequest, 0) / rounds.length));
  // Twelve rounds do not fit the columns: each side on a line of its own.
  for (const [name, rounds] of [['bare Bolt', bare], ['Baton', baton]] as const) {
    console.log(`  p99 each round, ${name}: ${rounds.map((r) => p99([r]).toFixed(0)).join(' ')}`);
  }
  const syncs = baton.reduce((sum, r) => sum + r.syncs, 0);
  const promotions = baton.reduce((sum, r) => sum + r.promotions, 0);
  console.log(`fsyncs per promotion, Baton: ${(syncs / promotions).toFixed(2)} (${syncs} journal syncs for ${promotions} promotions, each planned, run and posted)`);
  const ratio = p99(baton) / p99(bare);
  console.log(`ratio Baton / bare, p99 ${ratio.toFixed(2).padStart(42)}   (target ≤ ${TARGET_RATIO.toFixed(2)}: ${ratio <= TARGET_RATIO ? 'met' : 'not met'})`);
}

async function runApps(): Promise<void> {
  const slackSide = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`, { eval: true });
  const [apiUrl] = (await once(slackSide, 'message')) as [string];
  const bare = await startBare(apiUrl);
  const baton = await startBatonTarget(apiUrl);
  const loadBefore = loadavg()[0] ?? 0;
  let requests = 0;
  const round = async (target: Target, durationMs: number): Promise<Round> => {
    const busyBefore = performance.eventLoopUtilization();
    const syncsBefore = journalSyncs();
    const firstRequest = requests;
    slackSide.postMessage({ eventsUrl: target.eventsUrl, durationMs, firstRequest } satisfies RoundOrder);
    const [load] = (await once(slackSide, 'message')) as [Load];
    await target.settle();
    const count = load.latencies.length + load.failures;
    requests += count;
    const promotions = Array.from({ length: count }, (_, i) => firstRequest + i).filter((n) => commandText(n).includes(' to ')).length;
    return { ...load, busyMsPerRequest: performance.eventLoopUtilization(busyBefore).active / count, promotions, syncs: journalSyncs() - syncsBefore };
  };
  const bareRounds: Round[] = [];
  const batonRounds: Round[] = [];
  try {
    // Warm-up: connections, JIT and Baton's first promotions, for both sides alike.
    await round(bare, WARM_UP_MS);
    await round(baton, WARM_UP_MS);
    // Short rounds taken in turns, so that a busy moment of the machine falls on both sides.
    for (let i = 0; i < ROUNDS; i += 1) {
      bareRounds.push(await round(bare, ROUND_MS));
      batonRounds.push(await round(baton, ROUND_MS));
    }
  } finally {
    await bare.stop();
    await baton.stop();
    slackSide.postMessage('stop');
    await once(slackSide, 'exit');
  }
  report(bareRounds, batonRounds, loadBefore);
}

if (isMainThread) await runApps();
else if (parentPort) await runSlackSide(parentPort);
