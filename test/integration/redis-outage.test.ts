/**
 * Redis goes away while the bot runs: readiness turns false, a command gets
 * a reply that says so, and when Redis is back the bot recovers by itself.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { until } from '../support/baton-process.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { consoleClient, replyText } from '../support/console-client.ts';

const scene = useProcessScene();

async function readiness(url: string): Promise<{ status: number; body: { ready: boolean; detail: string } }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; detail: string } };
}

it('reports Redis being away and recovers when it is back', async () => {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  await writeFile(
    join(dir, 'baton.yaml'),
    'version: 1\nenvironments: [{ name: dev }]\ncomponents:\n  api: { adapter: script, with: { apply: [node, -e, "0"] } }\n',
  );
  const bot = await scene.start(
    ['start', '-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data'), '--port', '0'],
    { REDIS_URL: redis.url },
    /open (http:\/\/\S+) /,
  );
  const url = bot.ready[1] ?? '';
  const chat = consoleClient(url);
  expect((await readiness(url)).status).toBe(200);

  await redis.halt();
  const down = await until(async () => {
    const probe = await readiness(url);
    return probe.status === 503 ? probe : undefined;
  });
  expect(down.body.detail).toContain('is unreachable');
  expect(replyText(await chat.command('alice', '/promote history'))).toContain("Baton can't reach its Redis right now");

  await redis.resume();
  await until(async () => ((await readiness(url)).status === 200 ? true : undefined), 20_000, 'readiness to return');
  expect(replyText(await chat.command('alice', '/promote api=1 to dev'))).toContain('Planning promotion #1');
  await until(async () =>
    replyText(await chat.command('alice', '/promote status 1')).includes('State: succeeded') ? true : undefined,
  );
});
