/**
 * The first ten minutes with the bundled example, as a newcomer meets them
 * through the console: the suggested command works, typos get a suggestion,
 * plans read by wave, finished steps speak in the past, times look alike,
 * counts agree with their nouns, a rolled-back promotion offers no rollback,
 * and a refusal never repeats a pasted page or names a server path.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Block } from '../../src/chat/message.ts';
import { buttonsOf, consoleClient, messageText, replyText, type ConsoleClient } from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

let started: StartedBaton;
let chat: ConsoleClient;

beforeEach(async () => {
  started = await startExampleBaton();
  chat = consoleClient(started.baton.url);
});

afterEach(async () => {
  await started.stop();
});

async function promote(user: string, text: string): Promise<string> {
  const reply = replyText(await chat.command(user, text));
  const id = /promotion #(\d+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no promotion was created: ${reply}`);
  await started.baton.idle();
  return id;
}

function lists(blocks: readonly Block[]): Extract<Block, { type: 'list' }>[] {
  return blocks.filter((block): block is Extract<Block, { type: 'list' }> => block.type === 'list');
}

describe('the first ten minutes', () => {
  it('suggests a command that works on the loaded config', async () => {
    const session = (await (await fetch(`${started.baton.url}/api/console/session`)).json()) as { example: string };
    expect(session.example).toBe('/promote 2026.11.3 to dev');
    expect(replyText(await chat.command('alice', session.example))).toContain('Planning promotion #1');
  });

  it('says "did you mean" for an environment or release mistyped, and lists the releases', async () => {
    const environment = replyText(await chat.command('alice', '/promote 2026.11.3 to stagign'));
    expect(environment).toBe(
      'There is no environment "stagign". Did you mean staging? Environments: dev, staging, production.',
    );
    const release = replyText(await chat.command('alice', '/promote 2026.11.33 to dev'));
    expect(release).toContain('There is no release or environment named "2026.11.33". Did you mean 2026.11.3?');
    expect(release).toContain('Releases: 2026.11.3, 2026.11.4-broken.');
    expect(release).toContain('Environments: dev, staging, production.');
    expect(release).toContain('add a <name>.yaml to releases/');
  });

  it('refuses without repeating more than a short excerpt of what was typed, and names no server path', async () => {
    const pasted = `${'x'.repeat(3000)}`;
    const replies = [
      await chat.command('alice', `/promote ${pasted} to dev`),
      await chat.command('alice', `/promote 2026.11.3 to ${pasted}`),
      await chat.command('alice', `/promote api=${pasted} to dev`),
      await chat.command('alice', `/promote ${pasted}=1 to dev`),
      await chat.command('alice', `/promote status ${pasted}`),
      await chat.command('alice', `/promote history dev --limit ${pasted}`),
      await chat.command('alice', `/promote help ${pasted}`),
      await chat.command('alice', `/promote unfreeze dev ${pasted}`),
      await chat.command('alice', `/promote 2026.11.3 to dev --${pasted}`),
    ].map(replyText);
    for (const reply of replies) {
      expect(reply).not.toContain('x'.repeat(40));
      expect(reply).toContain(`${'x'.repeat(20)}…`);
      expect(reply).not.toContain(process.cwd());
      expect(reply).not.toContain(started.dataDir);
    }
  });

  it('groups a plan under wave headings, and a finished step no longer says what it will do', async () => {
    await promote('carol', '/promote 2026.11.3 to dev');
    const id = await promote('alice', '/promote 2026.11.3 to staging');
    const waiting = await chat.promotionMessage(id);
    expect(
      lists(waiting.message.blocks).map((list) => [list.title, list.items.map((item) => item.text.split(' ')[0])]),
    ).toEqual([
      ['Wave 1', ['`iam`', '`schema`']],
      ['Wave 2', ['`api`', '`worker`']],
    ]);
    expect(messageText(waiting.message)).toContain('will run: node example/iam.mjs');
    await chat.click('bob', 'approve', id);
    await started.baton.idle();
    const done = messageText((await chat.promotionMessage(id)).message);
    expect(done).toContain('`iam` 2026.11.3 (script, *irreversible*) [succeeded]');
    expect(done).not.toContain('will run');
  });

  it('counts in the singular when there is one', async () => {
    await promote('carol', '/promote 2026.11.3 to dev');
    expect(replyText(await chat.command('carol', '/promote api=1.4.3 to dev --dry-run'))).toContain(
      '1 step in 1 wave.',
    );
    expect((await chat.command('carol', '/promote history dev')).message.text).toBe('Last 1 promotion in dev');
  });

  it('writes every moment in messages one way', async () => {
    await promote('carol', '/promote 2026.11.3 to dev');
    const id = await promote('carol', '/promote 2026.11.4-broken to dev');
    await chat.click('bob', 'rollback', id);
    await started.baton.idle();
    const shown = [
      ...(await chat.messages()).flatMap((root) => [
        messageText(root.message),
        ...root.thread.map((reply) => messageText(reply.message)),
      ]),
      replyText(await chat.command('carol', '/promote history')),
      replyText(await chat.command('carol', '/promote audit 1')),
      replyText(await chat.command('carol', '/promote dora dev')),
      replyText(await chat.command('carol', '/promote drift dev')),
    ].join('\n');
    expect(shown).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(shown).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('leaves no Roll back button on a promotion that was rolled back', async () => {
    await promote('carol', '/promote 2026.11.3 to dev');
    const id = await promote('carol', '/promote 2026.11.4-broken to dev');
    const failed = await chat.promotionMessage(id);
    expect(buttonsOf(failed.message).map((button) => button.actionId)).toEqual(['rollback']);
    await chat.click('bob', 'rollback', id);
    await started.baton.idle();
    const rolledBack = await chat.promotionMessage(id);
    expect(messageText(rolledBack.message)).toContain('rolled back');
    expect([rolledBack.message, ...rolledBack.thread.map((reply) => reply.message)].flatMap(buttonsOf)).toEqual([]);
  });
});
