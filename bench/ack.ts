/**
 * Slash-command ack latency at a fixed request rate, in one run, on both chat
 * platforms. Slack: Baton (the whole bot, memory engine) vs a bare Bolt app
 * that only acks, both behind Bolt's HTTP receiver. Discord: Baton answering
 * HTTP interactions vs a bare handler that only checks the Ed25519 signature
 * and answers. The load runs on a worker thread of its own, and both
 * stand-ins on another, so neither what the apps do after an answer nor the
 * stand-ins serving the apps' posts can hold up the clock that times the
 * answers. Requests are signed as each platform signs them and sent open
 * loop: each leaves on its schedule whatever became of the earlier ones, and
 * its latency counts from that schedule.
 */
import { UNPACED } from '../src/chat/pace.ts';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { App, HTTPReceiver } from '@slack/bolt';
import { createAdapterLookup } from '../adapters/registry.ts';
import { startBaton, type BatonOptions } from '../src/app.ts';
import { DISCORD_INTERACTIONS_PATH } from '../src/chat/discord/settings.ts';
import { discordPublicKey, isSignedByDiscord } from '../src/chat/discord/signature.ts';
import { SLACK_EVENTS_PATH } from '../src/chat/slack/settings.ts';
import { webhookBody } from '../src/http/raw-body.ts';
import { journalSyncs } from '../src/journal.ts';
import { DEFAULT_MEMBERS, startDiscordStandIn } from '../test/harness/discord/discord-stand-in.ts';
import { deliverSigned, newSigningKeys } from '../test/harness/discord/signed-delivery.ts';
import { sendSlashCommand } from '../test/harness/slack/signed-requests.ts';
import { startSlackStandIn } from '../test/harness/slack/slack-stand-in.ts';
import { noopAdapter, quiet } from './noop-adapter.ts';
import { silentSlackLogger } from '../test/harness/slack/silent-logger.ts';

const RATE_PER_SECOND = 50;
const WARM_UP_MS = 2_000;
const ROUND_MS = 3_000;
const ROUNDS = 12;
const SETTLE_MS = 200;
const TARGET_RATIO = 1.5;
/** Coarse on purpose: a finer timer would be load of its own on the apps' thread. */
const STALL_RESOLUTION_MS = 20;
const SIGNING_SECRET = 'bench-signing-secret';
const CHANNEL = 'C0DEPLOYS1';
const USERS = ['UALICE0001', 'UBOB000001', 'UCAROL0001'];
const DISCORD_USERS = DEFAULT_MEMBERS.map((member) => ({ id: member.id, username: member.username }));
/** Interaction ids: snowflakes, one per request, never seen before by the app. */
const FIRST_INTERACTION_ID = 1_500_000_000_000_000_000n;

// Promotions to dev run at once and finish, so `status` lists the few under way rather than all ever requested.
const config = (channel: string) => `version: 1
environments:
  - name: dev
    channel: "${channel}"
components:
  api: { adapter: noop }
`;

type Platform = 'slack' | 'discord';

/** Where the apps' Discord interactions come from: the stand-in's application, server and channel. */
interface DiscordPlace {
  applicationId: string;
  guildId: string;
  channelId: string;
}

/** What the stand-ins' thread tells the apps' thread once they are up. */
interface ChatSide {
  slackApiUrl: string;
  discord: DiscordPlace & { url: string; token: string };
}

/** What the apps' thread asks the load's thread for: a round of load on one app. */
interface RoundOrder {
  platform: Platform;
  eventsUrl: string;
  durationMs: number;
  /** Numbers the requests, so every promotion asks for a version not asked for before. */
  firstRequest: number;
  /** Slack only: a response_url from the stand-in for each request of the round. */
  responseUrls: string[];
}

/** What the apps' thread asks the stand-ins' thread for: response_urls for a round of Slack requests. */
interface ResponseUrlOrder {
  firstRequest: number;
  count: number;
}

/** Which of the bench's worker threads a thread is, with what it is started with. */
type WorkerRole = { role: 'stand-ins' } | { role: 'load'; place: DiscordPlace };

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
  /** Garbage-collection pauses on the apps' thread during the round, ms each. */
  gcPauses: number[];
  /** The longest the apps' event loop was held up in the round, ms. */
  longestStallMs: number;
}

/** Mostly `status`, and every fifth request a real promotion. */
function commandText(n: number): string {
  if (n % 5 === 0) return `api=1.0.${n} to dev`;
  return n % 5 === 1 ? 'help' : 'status';
}

/** /promote with the command text, as Discord sends it to an interactions endpoint. */
function discordCommand(discord: DiscordPlace, n: number): Record<string, unknown> {
  const user = DISCORD_USERS[n % DISCORD_USERS.length] ?? { id: '', username: '' };
  return {
    id: String(FIRST_INTERACTION_ID + BigInt(n)),
    application_id: discord.applicationId,
    type: 2,
    token: `bench-interaction-${n}`,
    version: 1,
    guild_id: discord.guildId,
    channel_id: discord.channelId,
    channel: { id: discord.channelId, type: 0, guild_id: discord.guildId, name: 'deploys' },
    member: {
      user: { ...user, discriminator: '0', global_name: null, avatar: null },
      roles: [],
      permissions: '2147552256',
    },
    data: {
      id: '1500000000000000001',
      name: 'promote',
      type: 1,
      options: [{ name: 'command', type: 3, value: commandText(n) }],
    },
  };
}

const requestsIn = (durationMs: number) => Math.round((durationMs / 1000) * RATE_PER_SECOND);

const userOf = (n: number) => USERS[n % USERS.length] ?? 'UALICE0001';

/** The load: each request leaves at its time, answered or not, signed as its platform signs. */
async function sendRound(
  discord: DiscordPlace,
  keys: ReturnType<typeof newSigningKeys>,
  order: RoundOrder,
): Promise<Load> {
  const count = requestsIn(order.durationMs);
  const load: Load = { latencies: [], failures: 0 };
  const send = (i: number): Promise<{ status: number }> => {
    const n = order.firstRequest + i;
    if (order.platform === 'discord') return deliverSigned(order.eventsUrl, keys, discordCommand(discord, n));
    const fields = {
      user_id: userOf(n),
      channel_id: CHANNEL,
      text: commandText(n),
      response_url: order.responseUrls[i] ?? '',
    };
    return sendSlashCommand(order.eventsUrl, SIGNING_SECRET, fields);
  };
  const start = performance.now() + 20;
  const requests = Array.from({ length: count }, (_, i) => {
    const due = start + (i * 1000) / RATE_PER_SECOND;
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        send(i)
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

/** The stand-ins' thread: serves the apps' posts, and hands out Slack response_urls for the load. */
async function runStandIns(port: NonNullable<typeof parentPort>): Promise<void> {
  const slack = await startSlackStandIn({ rateLimit: null });
  const discord = await startDiscordStandIn({ rateLimits: null });
  port.on('message', (order: ResponseUrlOrder | 'stop') => {
    if (order === 'stop') {
      void Promise.all([slack.close(), discord.close()]).then(() => port.close());
      return;
    }
    const urls = Array.from({ length: order.count }, (_, i) =>
      slack.responseUrl({ user: userOf(order.firstRequest + i), channel: CHANNEL }),
    );
    port.postMessage(urls);
  });
  const { url, token, applicationId, guildId, channelId } = discord;
  port.postMessage({
    slackApiUrl: slack.apiUrl,
    discord: { url, token, applicationId, guildId, channelId },
  } satisfies ChatSide);
}

/** The load's thread: signs Discord's interactions with keys of its own, whose public half the apps are given. */
function runLoad(port: NonNullable<typeof parentPort>, discord: DiscordPlace): void {
  const keys = newSigningKeys();
  port.on('message', (order: RoundOrder | 'stop') => {
    if (order === 'stop') {
      port.close();
      return;
    }
    void sendRound(discord, keys, order).then((load) => port.postMessage(load));
  });
  port.postMessage(keys.publicKeyHex);
}

interface Target {
  platform: Platform;
  eventsUrl: string;
  /** Resolves when the work the requests started is done. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function startBare(apiUrl: string): Promise<Target> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logger: silentSlackLogger });
  const app = new App({
    token: 'xoxb-test',
    receiver,
    logger: silentSlackLogger,
    clientOptions: { slackApiUrl: apiUrl },
    deferInitialization: true,
  });
  app.command('/promote', async ({ ack }) => {
    await ack();
  });
  await app.init();
  const server = createServer(receiver.requestListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    platform: 'slack',
    eventsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${SLACK_EVENTS_PATH}`,
    settle: () => pause(SETTLE_MS),
    stop: () => closeServer(server),
  };
}

async function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** What any Discord app must do with an HTTP interaction: read it, check its signature, answer. */
async function startBareDiscord(publicKey: string): Promise<Target> {
  const key = discordPublicKey(publicKey);
  const answer = JSON.stringify({ type: 4, data: { content: 'ok', flags: 64 } });
  const server = createServer((request, response) => {
    void webhookBody(request, response).then((body) => {
      if (!body) return;
      const signature = request.headers['x-signature-ed25519'];
      if (
        !isSignedByDiscord(
          key,
          Array.isArray(signature) ? signature[0] : signature,
          String(request.headers['x-signature-timestamp']),
          body,
        )
      ) {
        response.writeHead(401).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    platform: 'discord',
    eventsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${DISCORD_INTERACTIONS_PATH}`,
    settle: () => pause(SETTLE_MS),
    stop: () => closeServer(server),
  };
}

/**
 * The interactions the load sends are not known to the Discord stand-in: an
 * answer Baton defers (past 1.5 s) cannot be edited in later, and counts as
 * late here all the same.
 */
async function startBatonTarget(chat: ChatSide, publicKey: string, platform: Platform): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-ack-'));
  const configPath = join(dataDir, 'baton.yaml');
  await writeFile(configPath, config(platform === 'slack' ? CHANNEL : chat.discord.channelId));
  const on: Pick<BatonOptions, 'slack' | 'discord'> =
    platform === 'slack'
      ? {
          slack: {
            botToken: 'xoxb-test',
            connection: { mode: 'http', signingSecret: SIGNING_SECRET },
            apiUrl: chat.slackApiUrl,
            pace: UNPACED,
          },
        }
      : {
          discord: {
            botToken: chat.discord.token,
            connection: { mode: 'http', publicKey },
            apiUrl: chat.discord.url,
            guildId: chat.discord.guildId,
          },
        };
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: quiet,
    adapters: createAdapterLookup(new Map([['noop', noopAdapter]])),
    ...on,
  });
  return {
    platform,
    eventsUrl: `${baton.url}${platform === 'slack' ? SLACK_EVENTS_PATH : DISCORD_INTERACTIONS_PATH}`,
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

interface Side {
  /** Column heading. */
  name: string;
  rounds: Round[];
}

function report(sides: Side[], loadBefore: number): void {
  const ms = (value: number) => value.toFixed(2);
  const row = (label: string, value: (rounds: Round[]) => string) =>
    console.log(`${label.padEnd(30)}${sides.map((side) => value(side.rounds).padStart(16)).join('')}`);
  console.log(
    `/promote at ${RATE_PER_SECOND}/s open loop, unique trigger and interaction ids; ${ROUNDS} rounds of ${ROUND_MS / 1000} s per side taken in turns, after ${WARM_UP_MS / 1000} s of warm-up each`,
  );
  console.log('mix: 3/5 `status`, 1/5 `help`, 1/5 a promotion to dev (planned, one no-op step run, its thread posted)');
  console.log(
    'Slack: Bolt HTTP receiver, form-encoded, HMAC-SHA256 signature; Discord: HTTP interactions, JSON, Ed25519 signature',
  );
  console.log(
    `apps on the main thread, the load on a worker, both stand-ins on another; load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)} on ${availableParallelism()} CPUs`,
  );
  console.log('answer latency, ms, from scheduled send to HTTP answer');
  console.log(`${''.padEnd(30)}${'── Slack ──'.padStart(24).padEnd(32)}${'── Discord ──'.padStart(25).padEnd(32)}`);
  console.log(`${''.padEnd(30)}${sides.map((side) => side.name.padStart(16)).join('')}`);
  row('p50', (rounds) => ms(percentile(sortedLatencies(rounds), 50)));
  row('p99', (rounds) => ms(p99(rounds)));
  row('max', (rounds) => ms(sortedLatencies(rounds).at(-1) ?? Number.NaN));
  row(
    'answers / failed',
    (rounds) => `${sortedLatencies(rounds).length} / ${rounds.reduce((sum, r) => sum + r.failures, 0)}`,
  );
  row('apps thread busy, ms/request', (rounds) =>
    ms(rounds.reduce((sum, r) => sum + r.busyMsPerRequest, 0) / rounds.length),
  );
  const pauses = (rounds: Round[]) => rounds.flatMap((r) => r.gcPauses);
  row('GC pauses, ms in all', (rounds) => ms(pauses(rounds).reduce((sum, p) => sum + p, 0)));
  row('longest GC pause, ms', (rounds) => ms(Math.max(0, ...pauses(rounds))));
  // Twelve rounds do not fit the columns: each side on a line of its own.
  for (const side of sides) {
    console.log(`  p99 each round, ${side.name}: ${side.rounds.map((r) => p99([r]).toFixed(0)).join(' ')}`);
    console.log(
      `  longest stall each round, ${side.name}: ${side.rounds.map((r) => r.longestStallMs.toFixed(0)).join(' ')}`,
    );
  }
  for (const [bare, baton] of [
    [sides[0], sides[1]],
    [sides[2], sides[3]],
  ] as const) {
    if (!bare || !baton) continue;
    const syncs = baton.rounds.reduce((sum, r) => sum + r.syncs, 0);
    const promotions = baton.rounds.reduce((sum, r) => sum + r.promotions, 0);
    console.log(
      `fsyncs per promotion, ${baton.name}: ${(syncs / promotions).toFixed(2)} (${syncs} journal syncs for ${promotions} promotions, each planned, run and posted)`,
    );
    const ratio = p99(baton.rounds) / p99(bare.rounds);
    console.log(
      `ratio ${baton.name} / ${bare.name}, p99 ${ratio.toFixed(2).padStart(20)}   (target ≤ ${TARGET_RATIO.toFixed(2)}: ${ratio <= TARGET_RATIO ? 'met' : 'not met'})`,
    );
  }
}

async function runApps(): Promise<void> {
  const startWorker = (role: WorkerRole) =>
    new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`,
      { eval: true, workerData: role },
    );
  const standIns = startWorker({ role: 'stand-ins' });
  const [chat] = (await once(standIns, 'message')) as [ChatSide];
  const loader = startWorker({ role: 'load', place: chat.discord });
  const [publicKey] = (await once(loader, 'message')) as [string];
  const targets = [
    { name: 'bare Bolt', target: await startBare(chat.slackApiUrl) },
    { name: 'Baton (Slack)', target: await startBatonTarget(chat, publicKey, 'slack') },
    { name: 'bare Ed25519', target: await startBareDiscord(publicKey) },
    { name: 'Baton (Discord)', target: await startBatonTarget(chat, publicKey, 'discord') },
  ];
  const loadBefore = loadavg()[0] ?? 0;
  let requests = 0;
  const gcs: { start: number; ms: number }[] = [];
  const gcWatch = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push({ start: entry.startTime, ms: entry.duration });
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  const round = async (target: Target, durationMs: number): Promise<Round> => {
    const from = performance.now();
    const delay = monitorEventLoopDelay({ resolution: STALL_RESOLUTION_MS });
    delay.enable();
    const busyBefore = performance.eventLoopUtilization();
    const syncsBefore = journalSyncs();
    const firstRequest = requests;
    let responseUrls: string[] = [];
    if (target.platform === 'slack') {
      standIns.postMessage({ firstRequest, count: requestsIn(durationMs) } satisfies ResponseUrlOrder);
      [responseUrls] = (await once(standIns, 'message')) as [string[]];
    }
    loader.postMessage({
      platform: target.platform,
      eventsUrl: target.eventsUrl,
      durationMs,
      firstRequest,
      responseUrls,
    } satisfies RoundOrder);
    const [load] = (await once(loader, 'message')) as [Load];
    delay.disable();
    await target.settle();
    const until = performance.now();
    const count = load.latencies.length + load.failures;
    requests += count;
    const promotions = Array.from({ length: count }, (_, i) => firstRequest + i).filter((n) =>
      commandText(n).includes(' to '),
    ).length;
    return {
      ...load,
      busyMsPerRequest: performance.eventLoopUtilization(busyBefore).active / count,
      promotions,
      syncs: journalSyncs() - syncsBefore,
      gcPauses: gcs.filter((gc) => gc.start >= from && gc.start < until).map((gc) => gc.ms),
      longestStallMs: Math.max(0, delay.max / 1e6 - STALL_RESOLUTION_MS),
    };
  };
  const sides: Side[] = targets.map(({ name }) => ({ name, rounds: [] }));
  try {
    // Warm-up: connections, JIT and Baton's first promotions, for every side alike.
    for (const { target } of targets) await round(target, WARM_UP_MS);
    // Short rounds taken in turns, so that a busy moment of the machine falls on every side.
    for (let i = 0; i < ROUNDS; i += 1) {
      for (const [k, { target }] of targets.entries()) sides[k]?.rounds.push(await round(target, ROUND_MS));
    }
  } finally {
    gcWatch.disconnect();
    for (const { target } of targets) await target.stop();
    for (const worker of [loader, standIns]) {
      worker.postMessage('stop');
      await once(worker, 'exit');
    }
  }
  report(sides, loadBefore);
}

const thisWorker = workerData as WorkerRole | null;
if (isMainThread) await runApps();
else if (parentPort && thisWorker?.role === 'stand-ins') await runStandIns(parentPort);
else if (parentPort && thisWorker?.role === 'load') runLoad(parentPort, thisWorker.place);
