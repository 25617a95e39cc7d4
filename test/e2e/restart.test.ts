/**
 * The embedded engine keeps its records on disk: a bot killed in the middle
 * of a promotion comes back with every record, and the cut-off promotion
 * shows as interrupted with Rollback offered.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/baton-process.ts';
import { buttonsOf, consoleClient, replyText, threadLines } from '../support/console-client.ts';
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

describe('a restart of the embedded engine', () => {
  const scene = useProcessScene();
  const startBot = async (configPath: string, dataDir: string) => {
    const bot = await scene.start(
      ['start', '-c', configPath, '--port', '0', '--data-dir', dataDir],
      {},
      /open (http:\/\/\S+) /,
    );
    return { child: bot.child, url: bot.ready[1] ?? '' };
  };

  it('loses no record and marks the cut-off promotion interrupted, with Rollback offered', async () => {
    const { dir } = await scene.setUp();
    const configPath = join(dir, 'baton.yaml');
    await writeFile(configPath, CONFIG);
    const dataDir = join(dir, 'data');

    const first = await startBot(configPath, dataDir);
    const chat = consoleClient(first.url);
    expect(replyText(await chat.command('alice', '/promote quick=1 slow=1 to dev'))).toContain('Planning promotion #1');
    await until(async () => {
      const root = await chat.promotionMessage('1').catch(() => undefined);
      return root && threadLines(root).some((line) => line.startsWith('Started slow')) ? true : undefined;
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await startBot(configPath, dataDir);
    const again = consoleClient(second.url);
    const status = replyText(await again.command('bob', '/promote status 1'));
    expect(status).toContain('State: interrupted');
    expect(status).toContain('Baton restarted while the promotion was running');
    expect(status).toMatch(/`quick` 1 .*\[succeeded\]/);
    expect(status).toMatch(/`slow` 1 .*\[failed\]/);
    const root = await again.promotionMessage('1');
    expect(buttonsOf(root.message).map((b) => b.actionId)).toEqual(['rollback']);
    expect(replyText(await again.command('bob', '/promote audit 1'))).toContain('Hash chain intact');

    expect(replyText(await again.click('bob', 'rollback', '1'))).toContain('Rolling back promotion #1');
    const rolledBack = await until(async () => {
      const text = replyText(await again.command('bob', '/promote status 1'));
      return text.includes('State: rolled back') ? text : undefined;
    });
    expect(rolledBack).toMatch(/`quick` 1 .*\[rolled back\]/);
    expect(replyText(await again.command('bob', '/promote history'))).toMatch(/#1 quick=1 slow=1 → dev: rolled back/);
  });
});
