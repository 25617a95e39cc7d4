/** The console's history across restarts: every message back as it was last shown, the journal compacted. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleMessageStore, type ConsoleChangeEvent } from '../../../src/chat/console/message-store.ts';
import { textMessage } from '../../../src/chat/message.ts';
import { Journal } from '../../../src/journal.ts';
import { TestClock } from '../../support/test-clock.ts';

describe('console history', () => {
  let dir = '';
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('comes back after a restart as last shown, with one journal line per message', async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-console-'));
    const file = join(dir, 'console.jsonl');
    const clock = new TestClock();
    const before = new ConsoleMessageStore('#deploys', clock, new Journal<ConsoleChangeEvent>(file));
    const posted = await before.post('#deploys', textMessage('plan: planning'));
    const root = { channel: posted.channel, messageId: posted.id };
    for (const state of ['awaiting approval', 'running', 'succeeded'])
      await before.update(root, textMessage(`plan: ${state}`));
    await before.reply(root, textMessage('api succeeded'));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(5);

    const after = new ConsoleMessageStore('#deploys', clock, new Journal<ConsoleChangeEvent>(file));
    expect(after.snapshot()).toEqual(before.snapshot());
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);
    const next = await after.post('#deploys', textMessage('next'));
    expect(next.id).toBe('m3');
  });
});
