/**
 * Found by the chaos tests: a process killed after a promotion finished and
 * before it let go of the environment left the next promotion "waiting for
 * promotion #1 to finish" for a minute or two, until a reconcile gave up on
 * the grace a live process gets to let go itself. After a restart of the
 * embedded engine, nobody else can be letting go; on Redis, the step's job
 * delivered again is the dead worker's way of moving on. Either way the next
 * promotion starts at once. The crash is put exactly there by making the
 * release fail once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBaton, startWorker, type BatonOptions, type RunningBaton, type RunningWorker } from '../../src/app.ts';
import type { Engine } from '../../src/engine/contract.ts';
import { until } from '../support/baton-process.ts';
import { consoleClient, replyText } from '../support/console-client.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { writeChaosScene } from './chaos-scene.ts';

describe('a promotion finished by a process that died before letting go of its environment', () => {
  let redis: RedisServer | undefined;
  let dir = '';
  const running: (RunningBaton | RunningWorker)[] = [];
  afterEach(async () => {
    for (const baton of running.splice(0)) await baton.close();
    await redis?.stop();
    redis = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function options(redisUrl?: string): Promise<BatonOptions> {
    dir = await mkdtemp(join(tmpdir(), 'baton-finished-holder-'));
    const configPath = await writeChaosScene(dir, { minMs: 10, spreadMs: 10 });
    return {
      configPath,
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      retryDelayMs: 10,
      ...(redisUrl ? { redisUrl } : {}),
    };
  }

  /** Releasing an environment fails, as if the process died right there: always, or only the first time. */
  function dieAtRelease(engine: Engine, times = Infinity): void {
    const store: Partial<Engine['store']> = engine.store;
    const release = engine.store.unlockEnvironment.bind(engine.store);
    let died = 0;
    engine.store.unlockEnvironment = (environment, promotionId) => {
      if (died >= times) {
        // The store's own method again: the wrapper timing lock holds calls whatever the store holds, so calling it from here would come back here.
        delete store.unlockEnvironment;
        return release(environment, promotionId);
      }
      died += 1;
      return Promise.reject(new Error('the process died here'));
    };
  }

  async function untilState(baton: RunningBaton, id: string, state: string, timeoutMs: number): Promise<void> {
    await until(
      async () => ((await baton.promotions.getPromotion(id)).state === state ? true : undefined),
      timeoutMs,
      `#${id} to be ${state}`,
    );
  }

  it('lets the next promotion start at once after a restart of the embedded engine', async () => {
    const settings = await options();
    const first = await startBaton(settings);
    running.push(first);
    dieAtRelease(first.engine);
    expect(replyText(await consoleClient(first.url).command('alice', '/promote api=1.0.0 to dev'))).toContain(
      'Planning promotion #1',
    );
    await untilState(first, '1', 'succeeded', 10_000);
    // The step's job, tried again, cannot let go either: the process is as good as dead.
    await first.engine.queue.drained();
    expect(await first.engine.store.lockHolder('dev')).toBe('1');
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await startBaton(settings);
    running.push(second);
    expect(await second.engine.store.lockHolder('dev')).toBeUndefined();
    expect(replyText(await consoleClient(second.url).command('alice', '/promote api=2.0.0 to dev'))).toContain(
      'Planning promotion #2',
    );
    await untilState(second, '2', 'succeeded', 5_000);
  });

  it('lets the next promotion start at once when the dead worker’s step is delivered again, on Redis', async () => {
    redis = await startRedisServer();
    const settings = await options(redis.url);
    const bot = await startBaton({ ...settings, concurrency: 0 });
    running.push(bot);
    const worker = await startWorker({ ...settings, concurrency: 2 });
    running.push(worker);
    dieAtRelease(worker.engine, 1);
    const chat = consoleClient(bot.url);
    expect(replyText(await chat.command('alice', '/promote api=1.0.0 to dev'))).toContain('Planning promotion #1');
    await untilState(bot, '1', 'succeeded', 10_000);
    expect(replyText(await chat.command('alice', '/promote api=2.0.0 to dev'))).toContain('Planning promotion #2');
    // Well inside the minute a finished holder is left to let go itself.
    await untilState(bot, '2', 'succeeded', 10_000);
  });
});
