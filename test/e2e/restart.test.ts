/**
 * The embedded engine keeps its records on disk: a bot killed in the middle
 * of a promotion comes back with every record, and the cut-off promotion
 * shows as interrupted with Rollback offered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buttonsOf, consoleClient, replyText, threadLines } from '../support/console-client.ts';

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

function startBot(configPath: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/baton.js', 'start', '-c', configPath, '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /open (http:\/\/\S+) /.exec(output)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`baton exited with ${code} before it was ready:\n${output}`)));
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a restart of the embedded engine', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('loses no record and marks the cut-off promotion interrupted, with Rollback offered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-restart-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const configPath = join(dir, 'baton.yaml');
    await writeFile(configPath, CONFIG);
    const dataDir = join(dir, 'data');

    const first = await startBot(configPath, dataDir);
    cleanups.push(async () => void first.child.kill('SIGKILL'));
    const chat = consoleClient(first.url);
    expect(replyText(await chat.command('alice', '/promote quick=1 slow=1 to dev'))).toContain('Planning promotion #1');
    await until(async () => {
      const root = await chat.promotionMessage('1').catch(() => undefined);
      return root && threadLines(root).some((line) => line.startsWith('Started slow')) ? true : undefined;
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await startBot(configPath, dataDir);
    cleanups.push(async () => void second.child.kill('SIGKILL'));
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
