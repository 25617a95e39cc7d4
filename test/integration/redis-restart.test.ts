/**
 * Redis with its append-only file on, restarted in the middle of a
 * promotion: the bot reconnects by itself and the promotion completes, with
 * every record kept.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startBatonProcess, until, type BatonProcess } from '../support/baton-process.ts';
import { consoleClient, replyText } from '../support/console-client.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

const processes: BatonProcess[] = [];
let redis: RedisServer | undefined;
let dir = '';

afterEach(async () => {
  for (const child of processes.splice(0)) await child.kill();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('completes a promotion when Redis restarts in the middle of it', async () => {
  redis = await startRedisServer({ appendOnly: true });
  dir = await mkdtemp(join(tmpdir(), 'baton-aof-'));
  const slow = '[node, -e, "setTimeout(() => {}, 1500)"]';
  await writeFile(
    join(dir, 'baton.yaml'),
    `version: 1
environments: [{ name: dev }]
components:
  first: { adapter: script, with: { apply: ${slow} } }
  second: { adapter: script, needs: [first], with: { apply: ${slow} } }
  third: { adapter: script, needs: [second], with: { apply: ${slow} } }
`,
  );
  const bot = await startBatonProcess(
    ['start', '-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data'), '--port', '0'],
    { REDIS_URL: redis.url },
    /open (http:\/\/\S+) /,
  );
  processes.push(bot);
  const chat = consoleClient(bot.ready[1] ?? '');
  expect(replyText(await chat.command('alice', '/promote first=1 second=1 third=1 to dev'))).toContain('Planning promotion #1');
  await until(async () => (replyText(await chat.command('alice', '/promote status 1')).match(/`second` 1 .*\[running\]/) ? true : undefined));

  await redis.restart();

  const status = await until(
    async () => {
      const text = replyText(await chat.command('alice', '/promote status 1'));
      return text.includes('State: succeeded') ? text : undefined;
    },
    30_000,
    'the promotion to finish after the restart',
  );
  expect(status).toMatch(/`third` 1 .*\[succeeded\]/);
  expect(replyText(await chat.command('alice', '/promote audit 1'))).toContain('Hash chain intact');
  expect(replyText(await chat.command('alice', '/promote history'))).toMatch(/#1 first=1 second=1 third=1 → dev: succeeded/);
});
