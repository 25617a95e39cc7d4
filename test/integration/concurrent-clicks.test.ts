/**
 * Redis engine, two bot processes: 200 Approve and Reject clicks on one
 * promotion at once, spread over both bots, end in exactly one decision.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { until } from '../support/baton-process.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { consoleClient, replyText } from '../support/console-client.ts';

const scene = useProcessScene();

it('200 concurrent approve and reject clicks on two bots end in one decision', async () => {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  const users = Array.from({ length: 100 }, (_, i) => `user${i}`);
  await writeFile(
    join(dir, 'baton.yaml'),
    `version: 1
groups: { approvers: [${users.join(', ')}] }
environments:
  - name: production
    approvals: { required: 3, from: ["@approvers"] }
components:
  api: { adapter: script, with: { apply: [node, -e, "0"] } }
`,
  );
  const env = { REDIS_URL: redis.url };
  const common = ['-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data'), '--port', '0'];
  const bots = await Promise.all([1, 2].map(() => scene.start(['start', ...common], env, /open (http:\/\/\S+) /)));
  const [one, two] = bots.map((bot) => consoleClient(bot.ready[1] ?? ''));
  if (!one || !two) throw new Error('bots did not start');

  expect(replyText(await one.command('requester', '/promote api=1.0.0 to production'))).toContain('Planning promotion #1');
  await until(async () => (replyText(await one.command('requester', '/promote status 1')).includes('State: awaiting approval') ? true : undefined));

  const clicks = users.flatMap((user, i) => [
    (i % 2 === 0 ? one : two).click(user, 'approve', '1'),
    (i % 2 === 0 ? two : one).click(user, 'reject', '1', `not now (${user})`),
  ]);
  const replies = (await Promise.all(clicks)).map(replyText);
  const counted = replies.filter((text) => /^You approved promotion #1/.test(text));
  const rejected = replies.filter((text) => text === 'You rejected promotion #1.');

  const final = await until(async () => {
    const text = replyText(await one.command('requester', '/promote status 1'));
    return /State: (succeeded|rejected)/.test(text) ? text : undefined;
  });
  if (final.includes('State: rejected')) {
    expect(rejected).toHaveLength(1);
    expect(counted.length).toBeLessThan(3);
  } else {
    expect(rejected).toHaveLength(0);
    expect(counted).toHaveLength(3);
    expect(final).toMatch(/Approvals: 3 of 3/);
  }
});
