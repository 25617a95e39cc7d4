/**
 * Every chat error the outbox can meet, one by one, as each platform's real
 * client library meets it from its stand-in: what Baton makes of it decides
 * whether the outbox waits and tries again, holds the channel's records back
 * and tells the operator, drops an edit of a message that is gone, or posts
 * the message again smaller. The outbox's side of each outcome is in
 * test/e2e/chat-errors.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordChannels } from '../../src/chat/discord/channels.ts';
import { DiscordChat } from '../../src/chat/discord/discord-chat.ts';
import { discordRest } from '../../src/chat/discord/discord-platform.ts';
import { textMessage } from '../../src/chat/message.ts';
import { SLACK_PACE } from '../../src/chat/slack/settings.ts';
import { createSlackPlatform } from '../../src/chat/slack/slack-platform.ts';
import type { ChatOut } from '../../src/chat/contract.ts';
import {
  ChatChannelUnusableError,
  ChatMessageGoneError,
  ChatRateLimitedError,
  ChatUnavailableError,
} from '../../src/errors.ts';
import { startDiscordStandIn, type DiscordStandIn } from '../harness/discord/discord-stand-in.ts';
import { startSlackStandIn, type SlackStandIn } from '../harness/slack/slack-stand-in.ts';
import { silentLogger } from '../support/silent-logger.ts';

describe('Slack errors, through the Web API client', () => {
  let slack: SlackStandIn;
  let chat: ChatOut;
  const CHANNEL = 'C0DEPLOYS1';

  beforeAll(async () => {
    slack = await startSlackStandIn({ rateLimit: null });
    chat = createSlackPlatform(
      {
        botToken: 'xoxb-test',
        connection: { mode: 'socket', appToken: 'xapp-test' },
        apiUrl: slack.apiUrl,
        pace: SLACK_PACE,
      },
      { mount: () => undefined },
      silentLogger,
    ).out;
  });
  afterAll(() => slack.close());

  it.each(['not_in_channel', 'channel_not_found', 'is_archived'])(
    '%s holds the channel back, names it and says what fixes it, for posts and edits alike',
    async (code) => {
      const plan = await chat.post(CHANNEL, textMessage(`plan before ${code}`));
      slack.setChannelError(CHANNEL, code);
      try {
        for (const attempt of [
          () => chat.post(CHANNEL, textMessage('a post')),
          () => chat.update(plan, textMessage('an edit')),
          () => chat.reply(plan, textMessage('a reply')),
        ]) {
          const error = await attempt().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(ChatChannelUnusableError);
          expect(error).toMatchObject({ channel: CHANNEL, reason: code, scope: 'channel' });
          expect((error as Error).message).toMatch(/invite|Check the environment's channel|Unarchive/);
        }
      } finally {
        slack.setChannelError(CHANNEL, undefined);
      }
    },
  );

  it('a 429 on chat.update carries its Retry-After to the outbox instead of holding the call', async () => {
    const plan = await chat.post(CHANNEL, textMessage('plan'));
    slack.failNext('chat.update', { status: 429, retryAfter: 7 });
    const started = Date.now();
    const error = await chat.update(plan, textMessage('edit')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatRateLimitedError);
    expect((error as ChatRateLimitedError).retryAfterMs).toBe(7_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['HTTP 500 on a post', 'chat.postMessage', { status: 500 }],
    ['HTTP 503 on an edit', 'chat.update', { status: 503 }],
    ['ratelimited answered as an error', 'chat.update', { error: 'ratelimited' }],
    ['internal_error', 'chat.postMessage', { error: 'internal_error' }],
  ] as const)('%s is a failure for now, tried again later', async (_, method, failure) => {
    const plan = await chat.post(CHANNEL, textMessage('plan'));
    slack.failNext(method, failure);
    const attempt =
      method === 'chat.update' ? chat.update(plan, textMessage('edit')) : chat.post(CHANNEL, textMessage('post'));
    expect(
      await attempt.then(
        () => undefined,
        (e: unknown) => e,
      ),
    ).toBeInstanceOf(ChatUnavailableError);
  });

  it.each(['msg_too_long', 'invalid_blocks'])(
    '%s: the message goes again as plain text with its full text attached, never lost',
    async (code) => {
      const filesBefore = slack.files.length;
      slack.failNext('chat.postMessage', { error: code });
      const ref = await chat.post(CHANNEL, textMessage(`refused as ${code}`));
      const posted = slack.message(CHANNEL, ref.messageId);
      expect(posted?.text).toContain(`refused as ${code}`);
      await expect.poll(() => slack.files.length).toBe(filesBefore + 1);
      expect(slack.files.at(-1)?.bytes?.toString('utf8')).toContain(`refused as ${code}`);
    },
  );

  it('message_not_found on an edit says the message is gone, so the edit is dropped rather than retried', async () => {
    const plan = await chat.post(CHANNEL, textMessage('plan'));
    slack.failNext('chat.update', { error: 'message_not_found' });
    expect(await chat.update(plan, textMessage('edit')).catch((e: unknown) => e)).toBeInstanceOf(ChatMessageGoneError);
  });
});

describe('Discord errors, through the discord.js REST client', () => {
  let discord: DiscordStandIn;
  let chat: ChatOut;
  const POST = 'POST /channels/{channel.id}/messages';
  const EDIT = 'PATCH /channels/{channel.id}/messages/{message.id}';

  beforeAll(async () => {
    discord = await startDiscordStandIn({ rateLimits: null });
    const rest = discordRest({ apiUrl: discord.url, botToken: discord.token });
    chat = new DiscordChat(rest, new DiscordChannels(rest, discord.guildId), silentLogger);
  });
  afterAll(() => discord.close());

  it.each([
    [403, 50001, 'Missing Access'],
    [403, 50013, 'Missing Permissions'],
    [404, 10003, 'Unknown Channel'],
  ] as const)('%i %i %s holds the channel back, for posts and edits alike', async (status, code, words) => {
    const plan = await chat.post(discord.channelId, textMessage(`plan before ${code}`));
    discord.setChannelFailure(discord.channelId, { status, code, message: words });
    try {
      for (const attempt of [
        () => chat.post(discord.channelId, textMessage('a post')),
        () => chat.update(plan, textMessage('an edit')),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ChatChannelUnusableError);
        expect(error).toMatchObject({ channel: discord.channelId, reason: `${code} ${words}`, scope: 'channel' });
      }
    } finally {
      discord.setChannelFailure(discord.channelId, undefined);
    }
  });

  it.each([
    [400, 50083, 'Thread is archived'],
    [403, 160005, 'Thread is locked'],
  ] as const)('%i %i %s on a reply holds back only that thread', async (status, code, words) => {
    const plan = await chat.post(discord.channelId, textMessage(`plan of a thread failing ${code}`));
    await chat.reply(plan, textMessage('first reply'));
    discord.failNext(POST, { status, code, message: words });
    const error = await chat.reply(plan, textMessage('second reply')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatChannelUnusableError);
    expect(error).toMatchObject({ scope: 'thread' });
    await chat.post(discord.channelId, textMessage('the channel still takes messages'));
  });

  it('a 429 on an edit is waited out by the REST client: the edit lands', async () => {
    const plan = await chat.post(discord.channelId, textMessage('plan'));
    discord.failNext(EDIT, { status: 429, retryAfter: 1 });
    await chat.update(plan, textMessage('edited after a 429'));
    expect(JSON.stringify(discord.message(plan.messageId))).toContain('edited after a 429');
  });

  it('a 5xx the REST client gave up on is a failure for now; the post tried again later goes through', async () => {
    // discord.js tries a 5xx three more times itself.
    discord.failNext(POST, { status: 502 }, 4);
    const error = await chat.post(discord.channelId, textMessage('post after 502s')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatUnavailableError);
    await chat.post(discord.channelId, textMessage('post after 502s'));
    const posted = discord.messages(discord.channelId).filter((m) => JSON.stringify(m).includes('post after 502s'));
    expect(posted).toHaveLength(1);
  });

  it('50035 Invalid Form Body: the message goes again as plain text with its full text attached in its thread', async () => {
    discord.failNext(POST, { status: 400, code: 50035, message: 'Invalid Form Body' });
    const ref = await chat.post(discord.channelId, textMessage('refused by Discord'));
    expect(discord.message(ref.messageId)?.content).toContain('refused by Discord');
    const attached = discord.messages(ref.messageId).flatMap((m) => m.attachments.map((a) => a.bytes.toString('utf8')));
    expect(attached.join('\n')).toContain('refused by Discord');
  });

  it('10008 Unknown Message on an edit says the message is gone', async () => {
    const plan = await chat.post(discord.channelId, textMessage('plan'));
    discord.failNext(EDIT, { status: 404, code: 10008, message: 'Unknown Message' });
    expect(await chat.update(plan, textMessage('edit')).catch((e: unknown) => e)).toBeInstanceOf(ChatMessageGoneError);
  });
});
