/**
 * How fast a channel's threads keep up, on the Slack and Discord stand-ins
 * with each platform's limits (Slack: one post a second per channel with a
 * burst of 5, chat.update at Tier 3 per workspace; Discord: 5 posts per 5 s
 * per channel or thread, 5 edits per 5 s per channel, 50 requests a second).
 * Baton runs with its own default pace for each platform.
 *
 * Cases: 20 promotions of 10 quick steps to one environment, and to 20
 * environments sharing one channel; then two promotions of 10 chained 2 s
 * steps in two channels, for the edits a minute they cost. Lag is the last
 * reply's time minus the last step's end; its floor is what the busiest
 * bucket needs at the platform's rate for the posts Baton made, less its burst.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { TargetAdapter } from '../src/core/adapter-contract.ts';
import { createAdapterLookup } from '../adapters/registry.ts';
import { startBaton, type BatonOptions, type RunningBaton } from '../src/app.ts';
import { SLACK_PACE } from '../src/chat/slack/settings.ts';
import { promotionStream } from '../src/core/audit.ts';
import {
  DEFAULT_GUILD_ID,
  DEFAULT_MEMBERS,
  startDiscordStandIn,
  type DiscordStandIn,
} from '../test/harness/discord/discord-stand-in.ts';
import { startSlackStandIn, type SlackStandIn } from '../test/harness/slack/slack-stand-in.ts';
import { noopAdapter, quiet } from './noop-adapter.ts';

const PROMOTIONS = 20;
const STEPS = 10;
const CHAINED_STEP_MS = 2_000;
const TARGET_RATIO = 1.2;
/** Long enough for the stand-ins' buckets to fill again (a burst of 5 at one a second). */
const QUIET_SPELL_MS = 6_000;
/** Tier 3: about 50 calls a minute for the workspace. */
const TIER_3_PER_MINUTE = 50;
const SLACK_CHANNELS = ['C0DEPLOYS1', 'C0DEPLOYS2'];
const DISCORD_CHANNELS = [
  { id: '1300000000000000001', name: 'deploys' },
  { id: '1300000000000000002', name: 'releases' },
];

/** A step that takes a while, so a promotion's plan message changes slower than the pacer posts. */
const slowAdapter = {
  ...noopAdapter,
  kind: 'slow',
  config: z.strictObject({}),
  apply: async () => {
    await new Promise((resolve) => setTimeout(resolve, CHAINED_STEP_MS));
    return { outputs: {}, summary: 'done' };
  },
} as unknown as TargetAdapter;

type Platform = 'Slack' | 'Discord';

interface Limits {
  burst: number;
  perSecond: number;
}

const LIMITS: Record<Platform, Limits> = { Slack: { burst: 5, perSecond: 1 }, Discord: { burst: 5, perSecond: 1 } };

interface Call {
  kind: 'post' | 'update';
  /** The rate-limit bucket it counts against: a channel (Slack threads count with it) or a Discord thread. */
  bucket: string;
  at: number;
  rateLimited: boolean;
}

interface Chat {
  platform: Platform;
  channels: string[];
  options(): Pick<BatonOptions, 'slack' | 'discord'>;
  calls(): Call[];
  close(): Promise<void>;
}

async function slackChat(): Promise<Chat> {
  const slack: SlackStandIn = await startSlackStandIn({
    channels: SLACK_CHANNELS.map((id, i) => ({ id, name: `deploys-${i + 1}` })),
  });
  return {
    platform: 'Slack',
    channels: SLACK_CHANNELS,
    options: () => ({
      slack: {
        botToken: 'xoxb-test',
        connection: { mode: 'http', signingSecret: 'bench' },
        apiUrl: slack.apiUrl,
        pace: SLACK_PACE,
      },
    }),
    calls: () =>
      slack.calls
        .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
        .map((c) => ({
          kind: c.method === 'chat.update' ? 'update' : 'post',
          bucket: String(c.args.channel),
          at: c.at,
          rateLimited: c.status === 429,
        })),
    close: () => slack.close(),
  };
}

async function discordChat(): Promise<Chat> {
  const channels = DISCORD_CHANNELS.map((c) => c.id);
  const discord: DiscordStandIn = await startDiscordStandIn({
    guilds: [{ id: DEFAULT_GUILD_ID, channels: DISCORD_CHANNELS, members: [...DEFAULT_MEMBERS] }],
  });
  return {
    platform: 'Discord',
    channels,
    options: () => ({
      discord: {
        botToken: discord.token,
        connection: { mode: 'http', publicKey: discord.publicKey },
        apiUrl: discord.url,
        guildId: discord.guildId,
      },
    }),
    calls: () =>
      discord.requests
        .filter(
          (r) =>
            r.route === 'POST /channels/{channel.id}/messages' ||
            r.route === 'PATCH /channels/{channel.id}/messages/{message.id}',
        )
        .map((r) => ({
          kind: r.method === 'PATCH' ? 'update' : 'post',
          bucket: r.path.split('/')[2] ?? '',
          at: r.at,
          rateLimited: r.status === 429,
        })),
    close: () => discord.close(),
  };
}

function config(environments: { name: string; channel: string }[], adapter: 'noop' | 'slow', chained: boolean): string {
  const components = Array.from(
    { length: STEPS },
    (_, i) => `  c${i + 1}: { adapter: ${adapter}${chained && i > 0 ? `, needs: [c${i}]` : ''} }`,
  );
  return [
    'version: 1',
    'environments:',
    ...environments.map((e) => `  - { name: ${e.name}, channel: "${e.channel}" }`),
    'components:',
    ...components,
    '',
  ].join('\n');
}

interface Run {
  baton: RunningBaton;
  dataDir: string;
}

async function startRun(chat: Chat, yaml: string): Promise<Run> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-thread-'));
  const configPath = join(dataDir, 'baton.yaml');
  await writeFile(configPath, yaml);
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: quiet,
    concurrency: 8,
    adapters: createAdapterLookup(
      new Map([
        ['noop', noopAdapter],
        ['slow', slowAdapter],
      ]),
    ),
    ...chat.options(),
  });
  return { baton, dataDir };
}

async function stopRun(run: Run): Promise<void> {
  await run.baton.close();
  await rm(run.dataDir, { recursive: true, force: true });
}

interface Figures {
  posts: number;
  updates: number;
  rateLimited: number;
  lagMs: number;
  floorMs: number;
  complete: boolean;
}

/** Every record the thread shows reached it in order: the outbox's cursor passed each stream's last record. */
async function threadsComplete(baton: RunningBaton, ids: string[]): Promise<boolean> {
  for (const id of ids) {
    const stream = promotionStream(id);
    const records = await baton.engine.store.readAudit(stream);
    if ((await baton.engine.store.threadCursor(stream)) !== records.at(-1)?.seq) return false;
  }
  return true;
}

async function burstCase(chat: Chat, spread: boolean): Promise<Figures> {
  const channel = chat.channels[0] ?? '';
  const environments = Array.from({ length: spread ? PROMOTIONS : 1 }, (_, i) => ({ name: `env-${i + 1}`, channel }));
  const run = await startRun(chat, config(environments, 'noop', false));
  const before = chat.calls().length;
  const ids: string[] = [];
  for (let i = 0; i < PROMOTIONS; i += 1) {
    const versions = Object.fromEntries(Array.from({ length: STEPS }, (_, c) => [`c${c + 1}`, `1.0.${i}`]));
    const outcome = await run.baton.promotions.request({
      release: { name: `r${i}`, versions },
      environment: environments[i % environments.length]?.name ?? '',
      requestedBy: 'bench',
    });
    if (outcome.outcome !== 'planning') throw new Error(`promotion ${i} was refused`);
    ids.push(outcome.promotion.id);
  }
  await run.baton.idle();
  const calls = chat.calls().slice(before);
  let lastStep = 0;
  for (const id of ids) {
    for (const record of await run.baton.engine.store.readAudit(promotionStream(id))) {
      if (record.type === 'step.succeeded') lastStep = Math.max(lastStep, Date.parse(record.at));
    }
  }
  const posts = calls.filter((c) => c.kind === 'post' && !c.rateLimited);
  const limits = LIMITS[chat.platform];
  const perBucket = new Map<string, number>();
  for (const post of posts) perBucket.set(post.bucket, (perBucket.get(post.bucket) ?? 0) + 1);
  const busiest = Math.max(...perBucket.values());
  const figures: Figures = {
    posts: posts.length,
    updates: calls.filter((c) => c.kind === 'update' && !c.rateLimited).length,
    rateLimited: calls.filter((c) => c.rateLimited).length,
    lagMs: Math.max(0, Math.max(...posts.map((p) => p.at)) - lastStep),
    floorMs: Math.max(0, ((busiest - limits.burst) / limits.perSecond) * 1000),
    complete: await threadsComplete(run.baton, ids),
  };
  await stopRun(run);
  return figures;
}

interface ChainedFigures {
  updates: number;
  busiestMinute: number;
  perMinute: number;
  rateLimited: number;
  complete: boolean;
}

async function chainedCase(chat: Chat): Promise<ChainedFigures> {
  const environments = chat.channels.map((channel, i) => ({ name: `env-${i + 1}`, channel }));
  const run = await startRun(chat, config(environments, 'slow', true));
  const before = chat.calls().length;
  const started = Date.now();
  const ids: string[] = [];
  for (const [i, environment] of environments.entries()) {
    const versions = Object.fromEntries(Array.from({ length: STEPS }, (_, c) => [`c${c + 1}`, `2.0.${i}`]));
    const outcome = await run.baton.promotions.request({
      release: { name: `chained-${i}`, versions },
      environment: environment.name,
      requestedBy: 'bench',
    });
    if (outcome.outcome !== 'planning') throw new Error(`chained promotion ${i} was refused`);
    ids.push(outcome.promotion.id);
  }
  await run.baton.idle();
  const minutes = (Date.now() - started) / 60_000;
  const updates = chat
    .calls()
    .slice(before)
    .filter((c) => c.kind === 'update');
  const times = updates
    .filter((u) => !u.rateLimited)
    .map((u) => u.at)
    .sort((a, b) => a - b);
  let busiestMinute = 0;
  for (const [i, at] of times.entries())
    busiestMinute = Math.max(busiestMinute, times.slice(i).filter((t) => t < at + 60_000).length);
  const figures = {
    updates: times.length,
    busiestMinute,
    perMinute: times.length / minutes,
    rateLimited: updates.filter((u) => u.rateLimited).length,
    complete: await threadsComplete(run.baton, ids),
  };
  await stopRun(run);
  return figures;
}

/**
 * Each case starts as after a quiet spell, with the platform's buckets full:
 * a new bot cannot know how much of a channel's burst the last one spent.
 */
const quietSpell = () => new Promise((resolve) => setTimeout(resolve, QUIET_SPELL_MS));

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const pad = (text: string, width: number) => text.padStart(width);

async function main(): Promise<void> {
  console.log(
    `${PROMOTIONS} promotions × ${STEPS} quick steps into one channel, Baton's default pace per platform, stand-ins with each platform's limits`,
  );
  const rows: [string, Figures][] = [];
  const chained: [Platform, ChainedFigures][] = [];
  for (const open of [slackChat, discordChat]) {
    const chat = await open();
    rows.push([`${chat.platform}, one environment`, await burstCase(chat, false)]);
    await quietSpell();
    rows.push([`${chat.platform}, ${PROMOTIONS} environments`, await burstCase(chat, true)]);
    await quietSpell();
    chained.push([chat.platform, await chainedCase(chat)]);
    await chat.close();
  }
  console.log(
    `${'case'.padEnd(28)}${pad('posts', 7)}${pad('updates', 9)}${pad('429s', 6)}${pad('calls/promotion', 17)}${pad('lag s', 8)}${pad('floor s', 9)}${pad('lag/floor', 11)}  threads`,
  );
  let met = true;
  for (const [name, f] of rows) {
    const ratio = f.floorMs > 0 ? f.lagMs / f.floorMs : f.lagMs <= 1000 ? 1 : Number.POSITIVE_INFINITY;
    met &&= ratio <= TARGET_RATIO && f.rateLimited === 0 && f.complete;
    console.log(
      `${name.padEnd(28)}${pad(String(f.posts), 7)}${pad(String(f.updates), 9)}${pad(String(f.rateLimited), 6)}${pad(((f.posts + f.updates) / PROMOTIONS).toFixed(1), 17)}${pad(seconds(f.lagMs), 8)}${pad(seconds(f.floorMs), 9)}${pad(f.floorMs > 0 ? ratio.toFixed(2) : '—', 11)}  ${f.complete ? 'complete, in order' : 'INCOMPLETE'}`,
    );
  }
  console.log(
    `\ntwo promotions of ${STEPS} chained ${CHAINED_STEP_MS / 1000} s steps, in two channels: plan message edits`,
  );
  for (const [platform, f] of chained) {
    const under = f.busiestMinute <= TIER_3_PER_MINUTE;
    met &&= under && f.complete && f.rateLimited === 0;
    console.log(
      `${platform.padEnd(10)} ${f.updates} edits, ${f.perMinute.toFixed(1)} a minute on average, ${f.busiestMinute} in the busiest minute (Tier 3 budget ${TIER_3_PER_MINUTE}: ${under ? 'under' : 'OVER'}), ${f.rateLimited} 429s, threads ${f.complete ? 'complete' : 'INCOMPLETE'}`,
    );
  }
  console.log(
    `\ntarget: lag ≤ ${TARGET_RATIO}× floor, no 429 from Baton's pacing, every thread complete and in order, edits under Tier 3: ${met ? 'met' : 'not met'}`,
  );
}

await main();
