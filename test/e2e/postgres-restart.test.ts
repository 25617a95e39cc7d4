/**
 * DATABASE_URL without REDIS_URL: queues in the bot's process, records in
 * PostgreSQL. A second bot on the same database is refused while the first
 * runs; a bot killed mid-promotion comes back with every record, the cut-off
 * promotion shown as interrupted with Rollback offered, and its chain intact.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBatonProcess, until } from '../support/baton-process.ts';
import { buttonsOf, consoleClient, replyText, threadLines } from '../support/console-client.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres-database.ts';
import { useProcessScene } from '../support/process-scene.ts';

const CONFIG = `
version: 1
environments:
  - name: dev
components:
  quick:
    adapter: script
    with:
      apply: [node, -e, "0"]
      rollback: [node, -e, "0"]
  slow:
    adapter: script
    needs: [quick]
    with:
      apply: [node, -e, "setTimeout(() => {}, 60000)"]
      rollback: [node, -e, "0"]
`;

let database: ThrowawayDatabase | undefined;
// Registered before the scene, so it runs after the scene has stopped the bots using the database.
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

describe('records in PostgreSQL with the queues in the bot', () => {
  const scene = useProcessScene();

  it('lets one bot use the database at a time, and loses no record when that bot is killed mid-promotion', async () => {
    const { dir } = await scene.setUp();
    database = await createThrowawayDatabase();
    const env = { DATABASE_URL: database.url };
    const configPath = join(dir, 'baton.yaml');
    await writeFile(configPath, CONFIG);
    const args = ['start', '-c', configPath, '--port', '0', '--data-dir', join(dir, 'data')];
    const startBot = async () => {
      const bot = await scene.start(args, env, /open (http:\/\/\S+) \(queues in this process, records in PostgreSQL/);
      return { child: bot.child, url: bot.ready[1] ?? '' };
    };

    const first = await startBot();
    await expect(startBatonProcess(args, env, /open (http:\/\/\S+) /)).rejects.toThrow(
      /Another Baton already uses the database .* set REDIS_URL on every bot and worker to run several/,
    );
    const chat = consoleClient(first.url);
    expect(replyText(await chat.command('alice', '/promote quick=1 slow=1 to dev'))).toContain('Planning promotion #1');
    await until(async () => {
      const root = await chat.promotionMessage('1').catch(() => undefined);
      return root && threadLines(root).some((line) => line.startsWith('Started slow')) ? true : undefined;
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await startBot();
    const again = consoleClient(second.url);
    const status = replyText(await again.command('bob', '/promote status 1'));
    expect(status).toContain('State: interrupted');
    expect(status).toMatch(/`quick` 1 .*\[succeeded\]/);
    // The plan message is brought up to date by the outbox, a moment after the record that says so.
    const root = await until(async () => {
      const message = await again.promotionMessage('1');
      return buttonsOf(message.message).length > 0 ? message : undefined;
    });
    expect(buttonsOf(root.message).map((b) => b.actionId)).toEqual(['rollback']);
    expect(replyText(await again.command('bob', '/promote audit 1'))).toContain('Hash chain intact');
    expect(replyText(await again.click('bob', 'rollback', '1'))).toContain('Rolling back promotion #1');
    await until(async () =>
      replyText(await again.command('bob', '/promote status 1')).includes('State: rolled back') ? true : undefined,
    );
    expect(replyText(await again.command('bob', '/promote history dev'))).toMatch(
      /#1 quick=1 slow=1 → dev: rolled back/,
    );
    expect(await database.query('SELECT id, state FROM baton.promotions')).toEqual([{ id: '1', state: 'rolled_back' }]);
  });
});
