/**
 * Chaos on the embedded engine: `baton start` (a real process, one data dir)
 * is SIGKILLed again and again at random moments while users request,
 * approve, reject and roll back promotions through the console API, and is
 * started again on the same data dir after each kill. It proves that
 * - Baton starts again after every kill;
 * - every action a user was told succeeded (a reply, a thread message) is in
 *   the audit log after the restart;
 * - no step's side effect happened twice (each step id at most once in the
 *   side-effects log), and every step recorded as applied left its effect;
 * - every audit chain holds against its promotion's anchor (the evidence API
 *   after each restart, `baton check` at the end);
 * - once the kills stop, every promotion settles: finished, or waiting for an
 *   approval nobody gave.
 *
 * Scale it with CHAOS_KILLS (default 100) and CHAOS_SECONDS (how long the
 * kills may go on, default 240; the run stops at the last kill). A restart
 * costs 0.9–1.6 s on a 2-core machine (loading the modules), a kill cycle
 * 1.2–2 s, so all 100 happen in about 2–3 minutes. The printed counts say how
 * many did. Replay a run with the CHAOS_SEED it printed: the kill moments are
 * wall-clock, so a replay makes the same choices, not the same interleaving.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { BatonProcess } from '../support/baton-process.ts';
import { consoleClient } from '../support/console-client.ts';
import { useProcessScene } from '../support/process-scene.ts';
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

const KILLS = chaosSetting('CHAOS_KILLS', 100);
const SECONDS = chaosSetting('CHAOS_SECONDS', 240);
const SEED = chaosSetting('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));

const scene = useProcessScene();

it(
  `keeps every told action, each side effect once and every chain intact through ${KILLS} SIGKILLs (seed ${SEED})`,
  { timeout: (SECONDS + 120) * 1000 },
  async () => {
    const random = seededRandom(SEED);
    const { dir } = await scene.setUp();
    const configPath = await writeChaosScene(dir, { minMs: 50, spreadMs: 250 });
    const dataDir = join(dir, 'data');
    const told = new Told();
    const users = new Users(random, told);
    const fail = (problems: string[], life: number) => {
      if (problems.length > 0) throw new Error(`after kill ${life} (CHAOS_SEED=${SEED}):\n${problems.join('\n')}`);
    };
    const startBot = async (): Promise<{ bot: BatonProcess; url: string; ms: number }> => {
      const started = Date.now();
      const bot = await scene.start(
        ['start', '-c', configPath, '--port', '0', '--data-dir', dataDir],
        {},
        /open (http:\/\/\S+) /,
      );
      return { bot, url: bot.ready[1] ?? '', ms: Date.now() - started };
    };
    /** What the last life told, checked against what the restarted Baton recorded; and the side effects so far. */
    const checkRecent = async (url: string, life: number) => {
      const problems: string[] = [];
      for (const id of told.takeUnchecked()) problems.push(...recordProblems(id, await evidenceOf(url, id), told));
      problems.push(
        ...doubledSideEffects(await sideEffects(dir)).map((line) => `side effect ${line} happened more than once`),
      );
      fail(problems, life);
    };

    const began = Date.now();
    const deadline = began + SECONDS * 1000;
    const restarts: number[] = [];
    const unexpected: string[] = [];
    let kills = 0;
    let current = await startBot();
    while (kills < KILLS && Date.now() < deadline) {
      const life = kills + 1;
      await checkRecent(current.url, kills);
      const { bot } = current;
      const chat = consoleClient(current.url);
      // Killed 20–400 ms after it is ready or after a user's first action of this life, or 5–200 ms after a step's program
      // started (mid-step, most likely), or a second and a half in when what it waited for did not come.
      const mode = random.pick(['ready', 'action', 'step'] as const);
      const delay = mode === 'step' ? random.between(5, 200) : random.between(20, 400);
      let killed = false;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        const arm = () => {
          timer ??= setTimeout(() => {
            killed = true;
            clearTimeout(fallback);
            clearInterval(watch);
            void bot.kill('SIGKILL').then(resolve);
          }, delay);
        };
        const fallback = setTimeout(arm, mode === 'ready' ? 0 : 1_500);
        const watch = setInterval(() => {
          if (mode === 'step')
            void stepRunners(dataDir).then((runners) => runners.includes(bot.child.pid ?? 0) && arm());
        }, 10);
        const actions = async () => {
          while (!killed) {
            await users.turn(chat, life, () => mode === 'action' && arm());
            await new Promise((r) => setTimeout(r, random.between(5, 60)));
          }
        };
        actions().catch((error: unknown) => {
          // A request the kill cut off was never answered: nobody was told anything.
          if (!killed) unexpected.push(`life ${life}: ${String(error)}`);
          arm();
        });
      });
      kills += 1;
      current = await startBot();
      restarts.push(current.ms);
    }
    expect(unexpected, `requests that failed while Baton ran (CHAOS_SEED=${SEED})`).toEqual([]);

    const killing = Date.now() - began;
    // No more kills: Baton has recovered once more, and every promotion settles.
    await checkRecent(current.url, kills);
    const { url } = current;
    const chat = consoleClient(url);
    const { bundles, slow } = await untilSettled(url, told, { timeoutMs: 60_000, slowMs: 10_000, seed: SEED });
    told.sawMessages(await chat.messages());

    const { problems, effects, applied } = await finalProblems(bundles, told, dir);
    fail(problems, kills);

    await current.bot.kill('SIGTERM');
    const check = await promisify(execFile)(process.execPath, ['bin/baton.js', 'check', '--data-dir', dataDir]).catch(
      (error: { stdout?: string; stderr?: string }) => {
        throw new Error(`baton check found problems (CHAOS_SEED=${SEED}):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      },
    );

    const meanRestart = Math.round(restarts.reduce((a, b) => a + b, 0) / Math.max(1, restarts.length));
    console.log(
      [
        `embedded chaos, CHAOS_SEED=${SEED}: ${kills} kills of ${KILLS}${kills < KILLS ? ` (CHAOS_SECONDS=${SECONDS} ran out)` : ''}, a restart took ${meanRestart} ms on average; the kills took ${Math.round(killing / 1000)} s, settling ${Math.round((Date.now() - began - killing) / 1000)} s`,
        promotionCounts(bundles),
        `told: ${told.actions.length} actions, ${[...told.thread.values()].reduce((n, s) => n + s.size, 0)} thread messages; all in the audit log`,
        `side effects: ${effects.length} (apply ran ${await applyRuns(dir)} times), none twice; ${applied.length} steps applied`,
        ...slow.map((line) => `still waiting 10 s after the kills: ${line}`),
        `chains verified: ${bundles.size}; ${check.stdout.trim()}`,
      ].join('\n'),
    );
    expect(kills).toBeGreaterThanOrEqual(Math.min(KILLS, 10));
    expect(bundles.size).toBeGreaterThan(0);
  },
);
