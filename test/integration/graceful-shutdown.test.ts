/**
 * SIGTERM with real processes. A worker stops taking steps at once, lets a
 * running step finish and record its result, and exits 0; a step still
 * running when the grace period ends is stopped (its deploy script with it)
 * and handed back, and another worker resumes it with the same step id. The
 * embedded engine, which has no other worker to hand a step to, marks it
 * interrupted when Baton starts again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { until } from '../support/baton-process.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { consoleClient, replyText, threadLines, type ConsoleClient } from '../support/console-client.ts';

// Applies once per step id: the side effect first, then TAKES_MS of work to be stopped in. Every run notes its pid in PIDS.
const DEPLOY_SCRIPT = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
appendFileSync(process.env.PIDS, process.env.BATON_COMPONENT + ' ' + process.pid + '\\n');
const marker = join(process.env.BATON_WORK_DIR, 'applied-' + process.env.BATON_STEP_ID);
if (existsSync(marker)) { console.log('already applied by an earlier attempt'); process.exit(0); }
appendFileSync(process.env.SIDE_EFFECTS, process.env.BATON_COMPONENT + ' ' + process.env.BATON_VERSION + '\\n');
writeFileSync(marker, '');
await new Promise((r) => setTimeout(r, Number(process.env.TAKES_MS)));
`;

const scene = useProcessScene();

interface ScriptComponent {
  name: string;
  takesMs: number;
  needs?: string[];
}

/** Whether a process runs (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface ScriptPipeline {
  config: string;
  /** "component version", one per first apply. */
  sideEffects(): Promise<string[]>;
  /** The pid of every run of the deploy script of `component`, in order. */
  runsOf(component: string): Promise<number[]>;
}

/** A folder with the deploy script and a pipeline of script components. */
async function setUpPipeline(dir: string, components: ScriptComponent[]): Promise<ScriptPipeline> {
  const sideEffects = join(dir, 'side-effects.log');
  const pids = join(dir, 'pids.log');
  await writeFile(sideEffects, '');
  await writeFile(pids, '');
  await writeFile(join(dir, 'deploy.mjs'), DEPLOY_SCRIPT);
  const lines = ['version: 1', 'environments: [{ name: dev }]', 'components:'];
  for (const { name, takesMs, needs = [] } of components) {
    lines.push(`  ${name}:`, '    adapter: script');
    if (needs.length > 0) lines.push(`    needs: [${needs.join(', ')}]`);
    lines.push(
      `    with: { apply: [node, deploy.mjs], env: { SIDE_EFFECTS: "${sideEffects}", PIDS: "${pids}", TAKES_MS: "${takesMs}" } }`,
    );
  }
  const config = join(dir, 'baton.yaml');
  await writeFile(config, `${lines.join('\n')}\n`);
  const linesOf = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  return {
    config,
    sideEffects: () => linesOf(sideEffects),
    runsOf: async (component) =>
      (await linesOf(pids)).flatMap((line) => {
        const [name, pid] = line.split(' ');
        return name === component ? [Number(pid)] : [];
      }),
  };
}

function statusOnceIn(chat: ConsoleClient, id: string, state: string, timeoutMs = 30_000): Promise<string> {
  return until(
    async () => {
      const text = replyText(await chat.command('alice', `/promote status ${id}`));
      return text.includes(`State: ${state}`) ? text : undefined;
    },
    timeoutMs,
    `promotion #${id} to be ${state}`,
  );
}

/** The thread once its last line says `last`: chat messages are posted a moment after the state changes. */
function threadEndingWith(chat: ConsoleClient, id: string, last: string): Promise<string[]> {
  return until(
    async () => {
      const lines = threadLines(await chat.promotionMessage(id));
      return lines.at(-1)?.includes(last) ? lines : undefined;
    },
    10_000,
    `the thread of promotion #${id} to end with "${last}"`,
  );
}

it('lets a running step finish on SIGTERM, exits 0, and leaves the next step to another worker', async () => {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  const { config, sideEffects } = await setUpPipeline(dir, [
    { name: 'schema', takesMs: 3000 },
    { name: 'api', takesMs: 0, needs: ['schema'] },
  ]);
  const env = { REDIS_URL: redis.url, BATON_SHUTDOWN_GRACE_MS: '20000' };
  const common = ['-c', config, '--data-dir', join(dir, 'data')];
  const bot = await scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /open (http:\/\/\S+) /);
  const firstWorker = await scene.start(['worker', ...common], env, /worker is running/);

  const chat = consoleClient(bot.ready[1] ?? '');
  expect(replyText(await chat.command('alice', '/promote schema=1 api=1 to dev'))).toContain('Planning promotion #1');
  await until(async () => ((await sideEffects()).length > 0 ? true : undefined), 20_000, 'the schema step to start');
  await firstWorker.kill('SIGTERM');

  // It waited for the schema step, recorded it, and did not take the api step queued as schema finished.
  expect(firstWorker.child.exitCode, firstWorker.output()).toBe(0);
  expect(firstWorker.output()).toContain('Stopped: every running step finished and is recorded.');
  expect(replyText(await chat.command('alice', '/promote status 1'))).toMatch(
    /`schema` 1 .*\[succeeded\][\s\S]*`api` 1 .*\[queued\]/,
  );
  expect(await sideEffects()).toEqual(['schema 1']);

  await scene.start(['worker', ...common], env, /worker is running/);
  expect(await statusOnceIn(chat, '1', 'succeeded')).toMatch(/`api` 1 .*\[succeeded\]/);
  expect(await sideEffects()).toEqual(['schema 1', 'api 1']);
  const thread = await threadEndingWith(chat, '1', 'Promotion #1 succeeded');
  expect(thread.some((line) => line.startsWith('Resuming'))).toBe(false);
}, 60_000);

it('stops a step still running after the grace period, deploy script and all, and hands it back to another worker, which finishes it once', async () => {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  const { config, sideEffects, runsOf } = await setUpPipeline(dir, [{ name: 'api', takesMs: 8000 }]);
  const env = { REDIS_URL: redis.url, BATON_SHUTDOWN_GRACE_MS: '1000' };
  const common = ['-c', config, '--data-dir', join(dir, 'data')];
  const bot = await scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /open (http:\/\/\S+) /);
  const firstWorker = await scene.start(['worker', ...common], env, /worker is running/);

  const chat = consoleClient(bot.ready[1] ?? '');
  expect(replyText(await chat.command('alice', '/promote api=2.0.0 to dev'))).toContain('Planning promotion #1');
  await until(async () => ((await sideEffects()).length > 0 ? true : undefined), 20_000, 'the step to start');
  await scene.start(['worker', ...common], env, /worker is running/);
  const signalledAt = Date.now();
  await firstWorker.kill('SIGTERM');

  expect(Date.now() - signalledAt).toBeLessThan(5000);
  expect(firstWorker.child.exitCode, firstWorker.output()).toBe(1);
  expect(firstWorker.output()).toMatch(
    /Still running after 1s: stopped and handed back step 1\.api \(promotion #1\)\. Another worker resumes each with the same step id/,
  );
  // Its deploy script did not outlive it, to run on beside the attempt that takes the step over.
  const [firstRun] = await runsOf('api');
  expect(firstRun && isRunning(firstRun)).toBe(false);

  const status = await statusOnceIn(chat, '1', 'succeeded');
  // Lock 4 s + stalled check 1 s + the resumed attempt, well before the first attempt's 8 s were up.
  expect(Date.now() - signalledAt).toBeLessThan(15_000);
  expect(status).toMatch(/`api` 2\.0\.0 .*\[succeeded\]/);
  expect(await sideEffects()).toEqual(['api 2.0.0']);
  const thread = await threadEndingWith(chat, '1', 'Promotion #1 succeeded');
  expect(thread.some((line) => line.startsWith('Resuming api 2.0.0 (attempt 2) after an interruption.'))).toBe(true);
}, 60_000);

it('embedded engine: finishes what fits in the grace period, and marks the step cut off as interrupted on the next start', async () => {
  const { dir } = await scene.setUp();
  const { config, sideEffects, runsOf } = await setUpPipeline(dir, [
    { name: 'quick', takesMs: 1500 },
    { name: 'slow', takesMs: 15_000 },
  ]);
  const env = { BATON_SHUTDOWN_GRACE_MS: '5000' };
  const common = ['start', '-c', config, '--data-dir', join(dir, 'data'), '--port', '0'];
  const first = await scene.start(common, env, /open (http:\/\/\S+) /);
  const firstChat = consoleClient(first.ready[1] ?? '');
  expect(replyText(await firstChat.command('alice', '/promote quick=1 slow=1 to dev'))).toContain(
    'Planning promotion #1',
  );
  await until(async () => ((await sideEffects()).length === 2 ? true : undefined), 20_000, 'both steps to start');
  await first.kill('SIGTERM');

  expect(first.child.exitCode, first.output()).toBe(1);
  expect(first.output()).toMatch(
    /Still running after 5s: stopped step 1\.slow \(promotion #1\)\. Each is marked interrupted when Baton starts again/,
  );
  const [slowRun] = await runsOf('slow');
  expect(slowRun && isRunning(slowRun)).toBe(false);

  const second = await scene.start(common, env, /open (http:\/\/\S+) /);
  const chat = consoleClient(second.ready[1] ?? '');
  const status = await statusOnceIn(chat, '1', 'interrupted');
  expect(status).toMatch(/`quick` 1 .*\[succeeded\]/);
  expect(status).toMatch(/`slow` 1 .*\[failed\]/);
  expect((await sideEffects()).sort()).toEqual(['quick 1', 'slow 1']);
  const thread = await threadEndingWith(chat, '1', 'Promotion #1 was interrupted');
  expect(thread.some((line) => line.startsWith('quick 1 succeeded'))).toBe(true);
}, 60_000);
