/**
 * Found by the Redis chaos test (redis-kills.test.ts): a bot that dies
 * between a change and queueing the job it calls for left the promotion
 * waiting for a job nobody queued — planning, or running with its steps
 * queued, for good. The crash is put exactly there by making the queue fail;
 * the bot started next queues the job again, and the promotion finishes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBaton, type BatonOptions, type RunningBaton } from '../../src/app.ts';
import { until } from '../support/baton-process.ts';
import { consoleClient, replyText } from '../support/console-client.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { writeChaosScene } from './chaos-scene.ts';

describe('a bot that died before queueing the job its change called for, on Redis', () => {
  let redis: RedisServer | undefined;
  let dir = '';
  const running: RunningBaton[] = [];
  afterEach(async () => {
    for (const baton of running.splice(0)) await baton.close();
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function setUp(): Promise<(concurrency: number) => Promise<RunningBaton>> {
    redis = await startRedisServer();
    dir = await mkdtemp(join(tmpdir(), 'baton-cut-off-'));
    const configPath = await writeChaosScene(dir, { minMs: 10, spreadMs: 10 });
    const options: BatonOptions = {
      configPath,
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      redisUrl: redis.url,
      retryDelayMs: 10,
    };
    return async (concurrency) => {
      const baton = await startBaton({ ...options, concurrency });
      running.push(baton);
      return baton;
    };
  }

  /** The bot's queue fails from now on, as if the process died at its next `add`; then the bot goes. */
  function dieAtNextQueueing(baton: RunningBaton): void {
    baton.engine.queue.add = () => Promise.reject(new Error('the bot died here'));
  }

  async function untilState(baton: RunningBaton, id: string, state: string): Promise<void> {
    await until(
      async () => ((await baton.promotions.getPromotion(id)).state === state ? true : undefined),
      15_000,
      `#${id} to be ${state}`,
    );
  }

  it('plans a requested promotion whose plan job was never queued', async () => {
    const start = await setUp();
    const first = await start(0);
    dieAtNextQueueing(first);
    // The request never got its answer: the promotion was written, its plan job was not.
    expect(replyText(await consoleClient(first.url).command('alice', '/promote api=2.0.0 to dev'))).toContain(
      'Something went wrong',
    );
    expect((await first.promotions.getPromotion('1')).state).toBe('planning');
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start(2);
    await untilState(second, '1', 'succeeded');
  });

  it('runs an approved promotion whose steps were marked queued and never queued', async () => {
    const start = await setUp();
    const first = await start(2);
    const chat = consoleClient(first.url);
    expect(replyText(await chat.command('alice', '/promote db=2.0.0 api=2.0.0 to staging'))).toContain(
      'Planning promotion #1',
    );
    await untilState(first, '1', 'awaiting_approval');
    // Planning hands the environment back just after the plan is shown: an approval before that starts the
    // promotion from the plan job instead, and the crash would not fall on the approval.
    await until(
      async () => ((await first.engine.store.lockHolder('staging')) === undefined ? true : undefined),
      15_000,
      'staging to be free',
    );
    dieAtNextQueueing(first);
    expect(replyText(await chat.click('bob', 'approve', '1'))).toContain('Something went wrong');
    const cut = await first.promotions.getPromotion('1');
    expect(cut.state).toBe('running');
    expect(cut.steps.map((s) => s.status)).toEqual(['queued', 'pending']);
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start(2);
    await untilState(second, '1', 'succeeded');
  });
});
