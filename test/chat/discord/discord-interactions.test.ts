/** Discord's three seconds: a quick answer is the response itself; a slow one is deferred and then replaces "thinking…". */
import { InteractionResponseType, InteractionType, MessageFlags, type APIInteraction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordInteractions } from '../../../src/chat/discord/discord-interactions.ts';
import type { InteractionHandler, Reply } from '../../../src/chat/contract.ts';
import { textMessage } from '../../../src/chat/message.ts';
import { silentLogger } from '../../support/silent-logger.ts';

function command(id: string): APIInteraction {
  return {
    id,
    type: InteractionType.ApplicationCommand,
    application_id: 'app',
    token: `token-${id}`,
    version: 1,
    channel_id: 'channel',
    guild_id: 'guild',
    member: { user: { id: 'user-1' } },
    data: { id: 'cmd', name: 'promote', type: 1, options: [{ name: 'command', type: 3, value: 'freeze dev' }] },
  } as unknown as APIInteraction;
}

function scene(answerAfterMs: number, visibility: Reply['visibility']) {
  const edits: unknown[] = [];
  const posted: string[] = [];
  const delivered = new Set<string>();
  const handler: InteractionHandler = {
    command: async () => {
      await new Promise((resolve) => setTimeout(resolve, answerAfterMs));
      return { visibility, message: textMessage('dev is frozen.') };
    },
    action: async () => ({ visibility: 'private', message: textMessage('ok') }),
    firstDelivery: async (id) => !delivered.has(id) && Boolean(delivered.add(id)),
  };
  const interactions = new DiscordInteractions({
    handler,
    logger: silentLogger,
    complete: async () => [],
    editOriginal: async (applicationId, token, data) => {
      edits.push({ applicationId, token, data });
    },
    postInChannel: async (channel, reply) => {
      posted.push(`${channel}: ${reply.message.text}`);
    },
  });
  return { interactions, edits, posted };
}

describe('answering a Discord interaction', () => {
  it('answers at once when the answer is ready in time, in the channel when it is meant for it', async () => {
    const { interactions, edits } = scene(0, 'channel');
    const answer = await interactions.answer(command('1'));
    expect(answer?.response).toMatchObject({
      type: InteractionResponseType.ChannelMessageWithSource,
      data: { content: 'dev is frozen.' },
    });
    expect((answer?.response as { data: { flags?: number } }).data.flags).toBeUndefined();
    expect(answer?.later).toBeUndefined();
    expect(edits).toEqual([]);
  });

  it('defers a slow answer privately, then puts it in place of the deferred response and in the channel', async () => {
    const { interactions, edits, posted } = scene(1_800, 'channel');
    const started = Date.now();
    const answer = await interactions.answer(command('2'));
    expect(Date.now() - started).toBeLessThan(1_700);
    expect(answer?.response).toEqual({
      type: InteractionResponseType.DeferredChannelMessageWithSource,
      data: { flags: MessageFlags.Ephemeral },
    });
    await answer?.later;
    expect(edits).toMatchObject([
      { applicationId: 'app', token: 'token-2', data: { content: 'dev is frozen.', flags: MessageFlags.Ephemeral } },
    ]);
    expect(posted).toEqual(['channel: dev is frozen.']);
  });

  it('refuses direct messages and other servers than its own', async () => {
    const { interactions } = scene(0, 'private');
    const direct = {
      ...command('4'),
      guild_id: undefined,
      member: undefined,
      user: { id: 'user-1' },
    } as unknown as APIInteraction;
    expect(await interactions.answer(direct)).toMatchObject({
      response: { data: { content: 'Baton takes commands on its Discord server only, not in direct messages.' } },
    });
    const scoped = new DiscordInteractions({
      handler: {
        command: async () => ({ visibility: 'private', message: textMessage('acted') }),
        action: async () => ({ visibility: 'private', message: textMessage('acted') }),
        firstDelivery: async () => true,
      },
      guildId: 'home',
      logger: silentLogger,
      complete: async () => [],
      editOriginal: async () => {},
      postInChannel: async () => {},
    });
    expect(await scoped.answer(command('5'))).toMatchObject({
      response: { data: { content: 'This Baton serves another Discord server; use /promote there.' } },
    });
  });

  it('acts once on an interaction delivered twice', async () => {
    const { interactions } = scene(0, 'private');
    expect(await interactions.answer(command('3'))).toBeDefined();
    expect(await interactions.answer(command('3'))).toBeUndefined();
  });
});
