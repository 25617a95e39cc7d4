/**
 * Chaos with queues on Redis (records in Redis, or in PostgreSQL): one bot
 * (`baton start --workers 0`) and two `baton worker`s share a throwaway
 * redis-server (append-only), and a random one of them is
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
 * Half the kills that find a worker running a step's program take that
 * worker. Scale it with CHAOS_KILLS (default 50) and CHAOS_SECONDS (how long
 * the kills may go on, default 150; the run stops at the last kill). A
 * replacement is ready in 2–3.5 s on a 2-core machine (two may boot at once),
 * so all 50 happen in about 1.5–2 minutes. Replay a run's choices
 * with the CHAOS_SEED it printed.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BatonProcess } from '../support/baton-process.ts';
import { consoleClient } from '../support/console-client.ts';
import type { ProcessScene } from '../support/process-scene.ts';
import {
  applyRuns,
  chaosSetting,
  doubledSideEffects,
  evidenceOf,
  finalProblems,
  promotionCounts,
  recordProblems,
  seededRandom,
  sideEffects,
  stepRunners,
  Told,
  untilSettled,
  Users,
  writeChaosScene,
} from './chaos-scene.ts';

export const KILLS = chaosSetting('CHAOS_KILLS', 50);
export const SECONDS = chaosSetting('CHAOS_SECONDS', 150);
export const SEED = chaosSetting('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));

type Role = 'bot' | 'worker';

interface Member {
  role: Role;
  process: BatonProcess;
  url: string;
}

/** Where the processes keep their records besides the queues on Redis: named in the summary, and what the processes are told. */
export interface KilledRecords {
  label: string;
  env: Record<string, string>;
}

export async function runKills(scene: ProcessScene, records: KilledRecords): Promise<void> {
  const random = seededRandom(SEED);
  const { dir, redis } = await scene.setUp({ redis: { appendOnly: true } });
  if (!redis) throw new Error('no redis');
  const configPath = await writeChaosScene(dir, { minMs: 300, spreadMs: 1500 });
  const env = {
    REDIS_URL: redis.url,
    BATON_REDIS_LOCK_MS: '1000',
    BATON_REDIS_STALLED_CHECK_MS: '300',
    ...records.env,
  };
  const common = ['-c', configPath, '--data-dir', join(dir, 'data')];
  const told = new Told();
  const users = new Users(random, told);
  const fail = (problems: string[], kills: number) => {
    if (problems.length > 0) throw new Error(`after kill ${kills} (CHAOS_SEED=${SEED}):\n${problems.join('\n')}`);
  };
  const restarts: number[] = [];
  const start = async (role: Role): Promise<Member> => {
    const started = Date.now();
    const baton =
      role === 'bot'
        ? await scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /open (http:\/\/\S+) /)
        : await scene.start(['worker', ...common], env, /worker is running/);
    restarts.push(Date.now() - started);
    return { role, process: baton, url: baton.ready[1] ?? '' };
  };
  const checkRecent = async (url: string, kills: number) => {
    const problems: string[] = [];
    for (const id of told.takeUnchecked()) problems.push(...recordProblems(id, await evidenceOf(url, id), told));
    problems.push(
      ...doubledSideEffects(await sideEffects(dir)).map((line) => `side effect ${line} happened more than once`),
    );
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
        await users
          .turn(consoleClient(bot.url), kills + 1, () => onSend?.())
          .catch((error: unknown) => {
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
        if (!bot) return;
        await checkRecent(bot.url, kills).catch((error: unknown) => {
          // The bot asked was killed while it answered (fetch fails with a TypeError); the final check reads every promotion again.
          if (members.includes(bot) || !(error instanceof TypeError)) throw error;
        });
      })
      .catch((error: unknown) => void failures.push(error))
      .finally(() => booting.delete(replaced));
    booting.add(replaced);
  };
  const began = Date.now();
  const deadline = began + SECONDS * 1000;
  while (kills < KILLS && Date.now() < deadline && failures.length === 0) {
    // 20–400 ms after the last kill, or after a user's next action (if one comes within a second).
    if (random.chance(0.5))
      await Promise.race([
        new Promise<void>((resolve) => (onSend = resolve)),
        new Promise((r) => setTimeout(r, 1_000)),
      ]);
    onSend = undefined;
    await new Promise((r) => setTimeout(r, random.between(20, 400)));
    if (booting.size >= 2) await Promise.race(booting);
    if (members.length === 0) continue;
    // Half the time a worker running a step's program, if one does: the kill a takeover must clean up after.
    const runners = await stepRunners(join(dir, 'data'));
    const midStep = members.filter((m) => m.role === 'worker' && runners.includes(m.process.child.pid ?? 0));
    const victim = midStep.length > 0 && random.chance(0.5) ? random.pick(midStep) : random.pick(members);
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
  const { bundles, slow } = await untilSettled(url, told, { timeoutMs: 150_000, slowMs: 10_000, seed: SEED });
  told.sawMessages(await consoleClient(url).messages());

  const { problems, effects, applied } = await finalProblems(bundles, told, dir);
  fail(problems, kills);

  const meanRestart = Math.round(restarts.reduce((a, b) => a + b, 0) / Math.max(1, restarts.length));
  console.log(
    [
      `${records.label} chaos, CHAOS_SEED=${SEED}: ${kills} kills of ${KILLS}${kills < KILLS ? ` (CHAOS_SECONDS=${SECONDS} ran out)` : ''}, a replacement took ${meanRestart} ms to be ready on average; the kills took ${Math.round(killing / 1000)} s, settling ${Math.round((Date.now() - began - killing) / 1000)} s`,
      promotionCounts(bundles),
      `told: ${told.actions.length} actions, ${[...told.thread.values()].reduce((n, s) => n + s.size, 0)} thread messages; all in the audit log`,
      `side effects: ${effects.length} (apply ran ${await applyRuns(dir)} times), none twice; ${applied.length} steps applied`,
      ...slow.map((line) => `still waiting 10 s after the kills: ${line}`),
      `chains verified: ${bundles.size}`,
    ].join('\n'),
  );
  expect(kills).toBeGreaterThanOrEqual(Math.min(KILLS, 10));
  expect(bundles.size).toBeGreaterThan(0);
}
