/**
 * Redis engine with real processes: a worker killed (SIGKILL) in the middle
 * of a step. Another worker resumes the step with the same step id within a
 * few seconds, the adapter recognises its own work, and the side effect
 * happens once. Before it resumes, it stops what the dead worker's program
 * left running, and takes a change that program finished as done (recovered).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/baton-process.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { consoleClient, replyText, threadLines } from '../support/console-client.ts';
import {
  evidence,
  firstApplyPid,
  linesOf,
  running,
  untilFinishedAlone,
  untilState,
  untilThreadEnds,
  useStrayPrograms,
  writeCrashScene,
} from '../support/crash-scene.ts';

// Applies once per step id: the side effect first, then a slow finish to be killed in.
const DEPLOY_SCRIPT = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const marker = join(process.env.BATON_WORK_DIR, 'applied-' + process.env.BATON_STEP_ID);
if (existsSync(marker)) { console.log('already applied by an earlier attempt'); process.exit(0); }
appendFileSync(process.env.SIDE_EFFECTS, process.env.BATON_VERSION + '\\n');
writeFileSync(marker, '');
await new Promise((r) => setTimeout(r, 4000));
`;

const scene = useProcessScene();

it('resumes a killed worker’s step on another worker, and the side effect happens once', async () => {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  const sideEffects = join(dir, 'side-effects.log');
  await writeFile(sideEffects, '');
  await writeFile(join(dir, 'deploy.mjs'), DEPLOY_SCRIPT);
  await writeFile(
    join(dir, 'baton.yaml'),
    `version: 1
environments: [{ name: dev }]
components:
  api:
    adapter: script
    with: { apply: [node, deploy.mjs], env: { SIDE_EFFECTS: "${sideEffects}" } }
`,
  );
  const env = { REDIS_URL: redis.url };
  const common = ['-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data')];
  const bot = await scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /open (http:\/\/\S+) /);
  const firstWorker = await scene.start(['worker', ...common], env, /worker is running/);

  const chat = consoleClient(bot.ready[1] ?? '');
  expect(replyText(await chat.command('alice', '/promote api=2.0.0 to dev'))).toContain('Planning promotion #1');
  await until(
    async () => ((await readFile(sideEffects, 'utf8')).trim() !== '' ? true : undefined),
    20_000,
    'the step to start',
  );
  await firstWorker.kill('SIGKILL');
  const killedAt = Date.now();

  await scene.start(['worker', ...common], env, /worker is running/);
  const status = await until(
    async () => {
      const text = replyText(await chat.command('alice', '/promote status 1'));
      return text.includes('State: succeeded') ? text : undefined;
    },
    30_000,
    'the promotion to succeed',
  );
  // Lock 4 s + stalled check 1 s + the resumed attempt itself.
  expect(Date.now() - killedAt).toBeLessThan(15_000);
  expect(status).toMatch(/`api` 2\.0\.0 .*\[succeeded\]/);
  expect((await readFile(sideEffects, 'utf8')).trim().split('\n')).toEqual(['2.0.0']);
  // Chat messages are posted a moment after the state changes.
  const thread = await until(
    async () => {
      const lines = threadLines(await chat.promotionMessage('1'));
      return lines.at(-1)?.includes('Promotion #1 succeeded') ? lines : undefined;
    },
    10_000,
    'the thread to end with the promotion succeeding',
  );
  expect(thread.some((t) => t.startsWith('Resuming api 2.0.0 (attempt 2) after an interruption.'))).toBe(true);
});

// Three Baton processes start in each test, a few seconds each on a busy machine.
describe('a step taken over from a worker killed while its program ran', { timeout: 60_000 }, () => {
  const stray = useStrayPrograms();
  // A short claim on the step, so the takeover comes within a few seconds.
  const shortLock = { BATON_REDIS_LOCK_MS: '2000', BATON_REDIS_STALLED_CHECK_MS: '500' };

  /** A bot, one worker, and how to start another, all on one machine and data dir; the first apply sleeps `applyMs`. */
  async function startCrashScene(applyMs: number) {
    const { dir, redis } = await scene.setUp({ redis: {} });
    if (!redis) throw new Error('no redis');
    const configPath = await writeCrashScene(dir, applyMs);
    const env = { REDIS_URL: redis.url, ...shortLock };
    const common = ['-c', configPath, '--data-dir', join(dir, 'data')];
    const [bot, worker] = await Promise.all([
      scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /open (http:\/\/\S+) /),
      scene.start(['worker', ...common], env, /worker is running/),
    ]);
    const url = bot.ready[1] ?? '';
    return {
      dir,
      url,
      chat: consoleClient(url),
      worker,
      startWorker: () => scene.start(['worker', ...common], env, /worker is running/),
    };
  }

  it('records the step as recovered when its program finished on its own, and applies once', async () => {
    const { dir, url, chat, worker, startWorker } = await startCrashScene(2_000);
    expect(replyText(await chat.command('alice', '/promote api=2.0.0 to dev'))).toContain('Planning promotion #1');
    const pid = await firstApplyPid(dir);
    stray(pid);
    await worker.kill('SIGKILL');
    await untilFinishedAlone(dir, pid, '2.0.0');

    await startWorker();
    expect(await untilState(chat, '1', 'succeeded')).toMatch(/`api` 2\.0\.0 .*\[succeeded\]/);
    const thread = await untilThreadEnds(chat, '1', /Promotion #1 succeeded/);
    expect(thread).toContain(
      'api 2.0.0 succeeded (recovered): Baton stopped while it ran, and the target runs 2.0.0 now.',
    );
    const bundle = await evidence(url, '1');
    expect(bundle.events.map((e) => e.type)).toContain('step.recovered');
    expect(bundle.promotion.steps[0]).toMatchObject({ status: 'succeeded', recovered: true });
    expect(replyText(await chat.command('alice', '/promote diff dev prod'))).toContain('`api` 2.0.0 ≠ —');
    expect(await linesOf(join(dir, 'applies.log'))).toEqual([String(pid)]);
  });

  it('stops the program still running before the takeover looks at the target, then applies again', async () => {
    const { dir, url, chat, worker, startWorker } = await startCrashScene(30_000);
    expect(replyText(await chat.command('alice', '/promote api=2.0.0 to dev'))).toContain('Planning promotion #1');
    const pid = await firstApplyPid(dir);
    stray(pid);
    await worker.kill('SIGKILL');
    expect(running(pid)).toBe(true);

    await startWorker();
    expect(await untilState(chat, '1', 'succeeded')).toMatch(/`api` 2\.0\.0 .*\[succeeded\]/);
    expect(running(pid)).toBe(false);
    // The takeover asked the target only once the first program was gone, and saw nothing deployed.
    expect(await linesOf(join(dir, 'observations.log'))).toEqual([`${pid} gone`]);
    const applies = await linesOf(join(dir, 'applies.log'));
    expect(applies).toHaveLength(2);
    expect(applies[0]).toBe(String(pid));
    const thread = await untilThreadEnds(chat, '1', /Promotion #1 succeeded/);
    expect(thread.some((line) => line.startsWith('Resuming api 2.0.0 (attempt 2) after an interruption.'))).toBe(true);
    expect((await evidence(url, '1')).events.map((e) => e.type)).not.toContain('step.recovered');
  });
});
