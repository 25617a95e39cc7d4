/**
 * Recovery looks at reality: the bot (embedded engine) killed with SIGKILL
 * while a step's program runs, then started again on the same data dir. A
 * program that finished the change on its own is recognised by the target's
 * `current`, and the step is recorded as succeeded (recovered) without
 * applying again; a program still running is stopped before the step is
 * judged, and the promotion is interrupted with rollback offered. The same
 * on Redis, with another worker taking the step over: test/integration/worker-crash.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until, type BatonProcess } from '../support/baton-process.ts';
import { buttonsOf, consoleClient, replyText } from '../support/console-client.ts';
import {
  evidence,
  firstApplyPid,
  linesOf,
  registryEntries,
  running,
  textOf,
  untilFinishedAlone,
  untilState,
  untilThreadEnds,
  useStrayPrograms,
  writeCrashScene,
} from '../support/crash-scene.ts';
import { useProcessScene } from '../support/process-scene.ts';

// Two Baton processes start in each test, a few seconds each on a busy machine.
describe('the embedded engine after a SIGKILL mid-step', { timeout: 60_000 }, () => {
  const scene = useProcessScene();
  const stray = useStrayPrograms();
  const startBot = async (configPath: string, dataDir: string): Promise<{ bot: BatonProcess; url: string }> => {
    const bot = await scene.start(
      ['start', '-c', configPath, '--port', '0', '--data-dir', dataDir],
      {},
      /open (http:\/\/\S+) /,
    );
    return { bot, url: bot.ready[1] ?? '' };
  };

  it('records a step whose program finished on its own as recovered, without applying again', async () => {
    const { dir } = await scene.setUp();
    const configPath = await writeCrashScene(dir, 2_000);
    const dataDir = join(dir, 'data');

    const first = await startBot(configPath, dataDir);
    expect(replyText(await consoleClient(first.url).command('alice', '/promote api=2.0.0 to dev'))).toContain(
      'Planning promotion #1',
    );
    const pid = await firstApplyPid(dir);
    stray(pid);
    // The program is on record while it runs, for a restarted Baton to find.
    expect(await registryEntries(dataDir)).toContain(`${pid}.json`);
    await first.bot.kill('SIGKILL');
    await untilFinishedAlone(dir, pid, '2.0.0');

    const second = await startBot(configPath, dataDir);
    const chat = consoleClient(second.url);
    const status = await untilState(chat, '1', 'succeeded');
    expect(status).toMatch(/`api` 2\.0\.0 .*\[succeeded\]/);
    const thread = await untilThreadEnds(chat, '1', /Promotion #1 succeeded/);
    expect(thread).toContain(
      'api 2.0.0 succeeded (recovered): Baton stopped while it ran, and the target runs 2.0.0 now.',
    );
    expect(replyText(await chat.command('alice', '/promote audit 1'))).toMatch(
      /baton {2}step\.recovered {2}api 2\.0\.0 succeeded \(recovered\)/,
    );
    expect((await evidence(second.url, '1')).promotion.steps[0]).toMatchObject({
      component: 'api',
      status: 'succeeded',
      recovered: true,
    });
    expect(replyText(await chat.command('alice', '/promote diff dev prod'))).toContain('`api` 2.0.0 ≠ —');
    expect(await linesOf(join(dir, 'applies.log'))).toEqual([String(pid)]);
    // The dead program's record went with it.
    expect(await registryEntries(dataDir)).toEqual([]);

    // A promotion that runs to the end leaves no record of its programs behind.
    expect(replyText(await chat.command('alice', '/promote api=3.0.0 to dev'))).toContain('Planning promotion #2');
    await untilState(chat, '2', 'succeeded');
    expect(await textOf(join(dir, 'state'))).toBe('3.0.0');
    expect(await registryEntries(dataDir)).toEqual([]);
  });

  it('stops a program still running, and interrupts the promotion with rollback offered', async () => {
    const { dir } = await scene.setUp();
    const configPath = await writeCrashScene(dir, 30_000);
    const dataDir = join(dir, 'data');

    const first = await startBot(configPath, dataDir);
    expect(replyText(await consoleClient(first.url).command('alice', '/promote api=2.0.0 to dev'))).toContain(
      'Planning promotion #1',
    );
    const pid = await firstApplyPid(dir);
    stray(pid);
    await first.bot.kill('SIGKILL');
    expect(running(pid)).toBe(true);

    const second = await startBot(configPath, dataDir);
    await until(async () => (running(pid) ? undefined : true), 3_000, `the leftover program ${pid} to be stopped`);
    expect(await textOf(join(dir, 'state'))).toBeUndefined();
    // It was stopped before the target was asked what it runs.
    expect(await linesOf(join(dir, 'observations.log'))).toEqual([`${pid} gone`]);
    expect(await linesOf(join(dir, 'applies.log'))).toEqual([String(pid)]);

    const chat = consoleClient(second.url);
    const status = await untilState(chat, '1', 'interrupted');
    expect(status).toContain('Baton restarted while the promotion was running');
    expect(status).toMatch(/`api` 2\.0\.0 .*\[failed\]/);
    const thread = await untilThreadEnds(chat, '1', /Promotion #1 was interrupted/);
    expect(thread.at(-1)).toContain('Check the steps below and roll back if needed.');
    expect(buttonsOf((await chat.promotionMessage('1')).message).map((b) => b.actionId)).toEqual(['rollback']);
    const bundle = await evidence(second.url, '1');
    expect(bundle.promotion.steps[0]?.status).toBe('failed');
    expect(bundle.promotion.steps[0]?.error).toContain('it may have partly applied');
    expect(bundle.events.map((e) => e.type)).not.toContain('step.recovered');
    expect(await registryEntries(dataDir)).toEqual([]);
  });
});
