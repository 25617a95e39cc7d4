/**
 * Chaos on Redis: one bot (`baton start --workers 0`) and two `baton worker`s
 * share a throwaway redis-server (append-only), and a random one of them is
 * SIGKILLed again and again at random moments while users request, approve,
 * reject and roll back promotions through the bot's console; a replacement is
 * started after each kill. Claims are short (BATON_REDIS_LOCK_MS=1000), so
 * another worker takes a killed worker's step over within about a second. It
 * proves that
 * - every replacement starts;
 * - every action a user was told succeeded (a reply, a thread message) is in
 *   the audit log;
 * - no step's side effect happened twice, though takeovers run apply again
 *   with the same step id, and every step recorded as applied left its effect;
 * - every audit chain holds against its promotion's anchor (evidence API);
 * - once the kills stop, every promotion settles: finished, or waiting for an
 *   approval nobody gave.
 *
 * Scale it with CHAOS_KILLS (default 50) and CHAOS_SECONDS (the time the
 * kills may take, default 60: a replacement costs ~1.7 s of a 2-core machine,
 * so the default budget may stop short; the printed counts say how many
 * happened). Replay a run's choices with the CHAOS_SEED it printed.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { until, type BatonProcess } from '../support/baton-process.ts';
import { consoleClient } from '../support/console-client.ts';
import { useProcessScene } from '../support/process-scene.ts';
import {
  allPromotions,
  applyRuns,
  appliedStepIds,
  chaosSetting,
  doubledSideEffects,
  evidenceOf,
  recordProblems,
  seededRandom,
  settled,
  sideEffects,
  Told,
  Users,
  writeChaosScene,
} from './chaos-scene.ts';

const KILLS = chaosSetting('CHAOS_KILLS', 50);
const SECONDS = chaosSetting('CHAOS_SECONDS', 60);
const SEED = chaosSetting('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));

const scene = useProcessScene();

type Role = 'bot' | 'worker';

interface Member {
  role: Role;
  process: BatonProcess;
  url: string;
}

it(`keeps every told action, each side effect once and every chain intact through ${KILLS} SIGKILLs of bots and workers (seed ${SEED})`, { timeout: (SECONDS + 90) * 1000 }, async () => {
  const random = seededRandom(SEED);
  const { dir, redis } = await scene.setUp({ redis: { appendOnly: true } });
  if (!redis) throw new Error('no redis');
  const configPath = await writeChaosScene(dir, { minMs: 300, spreadMs: 1500 });
  const env = { REDIS_URL: redis.url, BATON_REDIS_LOCK_MS: '1000', BATON_REDIS_STALLED_CHECK_MS: '300' };
  const common = ['-c', configPath, '--data-dir', join(dir, 'data')];
  const told = new Told();
  const users = new Users(random, told);
  const fail = (problems: string[], kills: number) => {
    if (problems.length > 0) throw new Error(`after kill ${kills} (CHAOS_SEED=${SEED}):\n${problems.join('\n')}`);
  };
  const restarts: number[] = [];
  const start = async (role: Role): Promise<Member> => {
    const started = Date.now();
    const process =
      role === 'bot'
        ? await scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /open (http:\/\/\S+) /)
        : await scene.start(['worker', ...common], env, /worker is running/);
    restarts.push(Date.now() - started);
    return { role, process, url: process.ready[1] ?? '' };
  };
  const checkRecent = async (url: string, kills: number) => {
    const problems: string[] = [];
    for (const id of told.takeUnchecked()) problems.push(...recordProblems(id, await evidenceOf(url, id), told));
    problems.push(...doubledSideEffects(await sideEffects(dir)).map((line) => `side effect ${line} happened more than once`));
    fail(problems, kills);
  };

  // Only processes that are up (ready) are members: the ones users reach and the ones killed.
  const members: Member[] = await Promise.all([start('bot'), start('worker'), start('worker')]);
  restarts.length = 0;
  const botOf = () => members.find((m) => m.role === 'bot');

  // Users act all along, on whichever bot is up; what a dying bot did not answer, nobody was told.
  let stopped = false;
  let onSend: (() => void) | undefined;
  const unexpected: string[] = [];
  let kills = 0;
  const acting = (async () => {
    while (!stopped) {
      const bot = botOf();
      if (bot) {
        await users.turn(consoleClient(bot.url), kills + 1, () => onSend?.()).catch((error: unknown) => {
          if (botOf() === bot) unexpected.push(`after kill ${kills}: ${String(error)}`);
        });
      }
      await new Promise((r) => setTimeout(r, random.between(5, 60)));
    }
  })();

  // A replacement boots while the others go on (and may be killed): at most two boot at once.
  const booting = new Set<Promise<void>>();
  const failures: unknown[] = [];
  const replace = (role: Role) => {
    const replaced: Promise<void> = start(role)
      .then(async (member) => {
        members.push(member);
        const bot = botOf();
        if (bot) await checkRecent(bot.url, kills);
      })
      .catch((error: unknown) => void failures.push(error))
      .finally(() => booting.delete(replaced));
    booting.add(replaced);
  };
  const began = Date.now();
  const deadline = began + SECONDS * 1000;
  while (kills < KILLS && Date.now() < deadline && failures.length === 0) {
    // 20–400 ms after the last kill, or after a user's next action (if one comes within a second).
    if (random.chance(0.5)) await Promise.race([new Promise<void>((resolve) => (onSend = resolve)), new Promise((r) => setTimeout(r, 1_000))]);
    onSend = undefined;
    await new Promise((r) => setTimeout(r, random.between(20, 400)));
    if (booting.size >= 2) await Promise.race(booting);
    if (members.length === 0) continue;
    const victim = random.pick(members);
    members.splice(members.indexOf(victim), 1);
    await victim.process.kill('SIGKILL');
    kills += 1;
    replace(victim.role);
  }
  while (booting.size > 0) await Promise.race(booting);
  stopped = true;
  await acting;
  if (failures.length > 0) throw failures[0];
  expect(unexpected, `requests that failed while the bot ran (CHAOS_SEED=${SEED})`).toEqual([]);

  const killing = Date.now() - began;
  // No more kills: the workers finish what is left, and every promotion settles.
  const url = botOf()?.url ?? '';
  await checkRecent(url, kills);
  const bundles = await until(
    async () => {
      const all = await allPromotions(url, told.ids());
      return [...all.values()].every(settled) ? all : undefined;
    },
    60_000,
    'every promotion to finish or wait for an approval nobody gave',
  ).catch(async (error: unknown) => {
    const all = await allPromotions(url, told.ids());
    const stuck = [...all.values()].filter((b) => !settled(b)).map((b) => `#${b.promotion.id} ${b.promotion.state}${b.promotion.reason ? ` (${b.promotion.reason})` : ''}`);
    throw new Error(`${String(error)} (CHAOS_SEED=${SEED}); stuck: ${stuck.join('; ')}`);
  });
  told.sawMessages(await consoleClient(url).messages());

  const problems: string[] = [];
  for (const [id, bundle] of bundles) problems.push(...recordProblems(id, bundle, told));
  for (const id of told.ids()) if (!bundles.has(id)) problems.push(...recordProblems(id, undefined, told));
  const effects = await sideEffects(dir);
  problems.push(...doubledSideEffects(effects).map((line) => `side effect ${line} happened more than once`));
  const applied = [...bundles.values()].flatMap(appliedStepIds);
  problems.push(...applied.filter((id) => !effects.includes(id)).map((id) => `step ${id} is recorded as applied, and its side effect never happened`));
  fail(problems, kills);

  const states = [...bundles.values()].reduce<Record<string, number>>((count, b) => ({ ...count, [b.promotion.state]: (count[b.promotion.state] ?? 0) + 1 }), {});
  const events = [...bundles.values()].flatMap((b) => b.events);
  const resumed = events.filter((r) => r.type === 'step.started' && r.summary.startsWith('Resuming')).length;
  const recovered = events.filter((r) => r.type === 'step.recovered').length;
  const meanRestart = Math.round(restarts.reduce((a, b) => a + b, 0) / Math.max(1, restarts.length));
  console.log(
    [
      `redis chaos, CHAOS_SEED=${SEED}: ${kills} kills of ${KILLS}${kills < KILLS ? ` (CHAOS_SECONDS=${SECONDS} ran out)` : ''}, a replacement took ${meanRestart} ms to be ready on average; the kills took ${Math.round(killing / 1000)} s, settling ${Math.round((Date.now() - began - killing) / 1000)} s`,
      `promotions: ${bundles.size} (${Object.entries(states).map(([s, n]) => `${n} ${s}`).join(', ')}); ${resumed} steps taken over, ${recovered} recovered`,
      `told: ${told.actions.length} actions, ${[...told.thread.values()].reduce((n, s) => n + s.size, 0)} thread messages; all in the audit log`,
      `side effects: ${effects.length} (apply ran ${await applyRuns(dir)} times), none twice; ${applied.length} steps applied`,
      `chains verified: ${bundles.size}`,
    ].join('\n'),
  );
  expect(kills).toBeGreaterThanOrEqual(Math.min(KILLS, 10));
  expect(bundles.size).toBeGreaterThan(0);
});
