/**
 * Redis with its append-only file on, restarted in the middle of a
 * promotion: the bot reconnects by itself and the promotion completes, with
 * every record kept.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { until } from '../support/baton-process.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { consoleClient, replyText } from '../support/console-client.ts';

const scene = useProcessScene();

it('completes a promotion when Redis restarts in the middle of it', async () => {
  const { dir, redis } = await scene.setUp({ redis: { appendOnly: true } });
  if (!redis) throw new Error('no redis');
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
  const bot = await scene.start(
    ['start', '-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data'), '--port', '0'],
    { REDIS_URL: redis.url },
    /open (http:\/\/\S+) /,
  );
  const chat = consoleClient(bot.ready[1] ?? '');
  expect(replyText(await chat.command('alice', '/promote first=1 second=1 third=1 to dev'))).toContain(
    'Planning promotion #1',
  );
  await until(async () =>
    replyText(await chat.command('alice', '/promote status 1')).match(/`second` 1 .*\[running\]/) ? true : undefined,
  );

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
  expect(replyText(await chat.command('alice', '/promote history'))).toMatch(
    /#1 first=1 second=1 third=1 → dev: succeeded/,
  );
});
