/**
 * The Slack stand-in, driven by the real @slack/web-api WebClient and Bolt's
 * HTTP and Socket Mode receivers, so what it accepts and refuses is what
 * those clients see.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sendBlockAction, sendSlashCommand, signSlackRequest } from './signed-requests.ts';
import { startSlackStandIn, type SlackStandIn } from './slack-stand-in.ts';
import { silentSlackLogger } from './silent-logger.ts';

const CHANNEL = 'C0RELEASES';

let standIn: SlackStandIn;
let client: WebClient;

function webClient(token = 'xoxb-test'): WebClient {
  return new WebClient(token, {
    slackApiUrl: standIn.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: silentSlackLogger,
  });
}

async function platformError(call: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  const error = (await call.then(
    () => undefined,
    (caught: unknown) => caught,
  )) as WebAPIPlatformError | undefined;
  expect(error?.code).toBe(ErrorCode.PlatformError);
  return (error as WebAPIPlatformError).data;
}

function section(text: string) {
  return { type: 'section' as const, text: { type: 'mrkdwn' as const, text } };
}

beforeEach(async () => {
  standIn = await startSlackStandIn({
    channels: [
      { id: CHANNEL, name: 'releases' },
      { id: 'C0OTHER', name: 'other' },
      { id: 'C0NOTJOINED', member: false },
    ],
    usergroups: { S0ADMINS: { handle: 'release-managers', users: ['U0ALICE', 'U0BOB'] } },
    rateLimit: null,
  });
  client = webClient();
});

afterEach(async () => {
  await standIn.close();
});

describe('Web API', () => {
  it('answers auth.test with the bot identity', async () => {
    const answer = await client.auth.test();
    expect(answer).toMatchObject({
      ok: true,
      user_id: 'UBATON',
      bot_id: 'BBATON',
      team_id: 'TBATON',
      url: 'https://baton-test.slack.com/',
    });
  });

  it('refuses a bad token with invalid_auth and a missing one with not_authed', async () => {
    expect((await platformError(webClient('xoxb-wrong').auth.test())).error).toBe('invalid_auth');
    expect(
      (
        await platformError(
          new WebClient(undefined, { slackApiUrl: standIn.apiUrl, logger: silentSlackLogger }).auth.test(),
        )
      ).error,
    ).toBe('not_authed');
  });

  it('answers unknown_method for a method it does not know', async () => {
    expect((await platformError(client.apiCall('chat.teleport', {}))).error).toBe('unknown_method');
  });

  it('records a post, a thread reply and an update in order', async () => {
    const root = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'Promoting 1.4.2',
      blocks: [section('*Promoting* 1.4.2')],
    });
    const reply = await client.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts as string,
      text: 'staging: done',
    });
    await client.chat.update({
      channel: CHANNEL,
      ts: root.ts as string,
      text: 'Promoted 1.4.2',
      blocks: [section('*Promoted* 1.4.2')],
    });

    expect(root.channel).toBe(CHANNEL);
    expect(root.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(reply.ts)).toBeGreaterThan(Number(root.ts));
    const [message, ...others] = standIn.channelMessages('#releases');
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      ts: root.ts,
      text: 'Promoted 1.4.2',
      blocks: [section('*Promoted* 1.4.2')],
      user: 'UBATON',
      edits: 1,
    });
    expect(message?.history[0]?.text).toBe('Promoting 1.4.2');
    expect(message?.replies.map((entry) => [entry.ts, entry.text, entry.threadTs])).toEqual([
      [reply.ts, 'staging: done', root.ts],
    ]);
    expect(standIn.calls.map((call) => call.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
    expect(standIn.calls[0]?.args.blocks).toEqual([section('*Promoting* 1.4.2')]);
  });

  it('records ephemerals for their user and threads a reply to a reply under the root', async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'root' });
    const reply = await client.chat.postMessage({ channel: CHANNEL, thread_ts: root.ts as string, text: 'reply' });
    const nested = await client.chat.postMessage({ channel: CHANNEL, thread_ts: reply.ts as string, text: 'nested' });
    await client.chat.postEphemeral({
      channel: CHANNEL,
      user: 'U0ALICE',
      thread_ts: root.ts as string,
      text: 'only you',
    });

    expect(nested.message?.thread_ts).toBe(root.ts);
    expect(standIn.thread(CHANNEL, root.ts as string).map((message) => message.text)).toEqual(['reply', 'nested']);
    expect(standIn.ephemerals('U0ALICE')).toMatchObject([
      { channel: CHANNEL, text: 'only you', threadTs: root.ts, via: 'chat.postEphemeral' },
    ]);
    expect(standIn.ephemerals('U0BOB')).toEqual([]);
  });

  it('refuses updates of unknown messages and posts to unknown or unjoined channels', async () => {
    expect(
      (await platformError(client.chat.update({ channel: CHANNEL, ts: '1700000000.000100', text: 'x' }))).error,
    ).toBe('message_not_found');
    expect((await platformError(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    expect((await platformError(client.chat.postMessage({ channel: 'C0NOTJOINED', text: 'x' }))).error).toBe(
      'not_in_channel',
    );
  });

  it('refuses 51 blocks with invalid_blocks', async () => {
    const blocks = Array.from({ length: 51 }, (_, index) => section(`step ${index}`));
    const data = await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'too long', blocks }));
    expect(data).toMatchObject({
      error: 'invalid_blocks',
      errors: ['no more than 50 items allowed [json-pointer:/blocks]'],
    });
    expect(standIn.channelMessages(CHANNEL)).toEqual([]);
  });

  it('refuses a 3001-character section text, also in chat.update and chat.postEphemeral', async () => {
    const blocks = [section('x'.repeat(3001))];
    const expected = {
      error: 'invalid_blocks',
      errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    };
    expect(await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'x', blocks }))).toMatchObject(
      expected,
    );
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'ok', blocks: [section('x'.repeat(3000))] });
    expect(
      await platformError(client.chat.update({ channel: CHANNEL, ts: posted.ts as string, blocks })),
    ).toMatchObject(expected);
    expect(
      await platformError(client.chat.postEphemeral({ channel: CHANNEL, user: 'U0ALICE', text: 'x', blocks })),
    ).toMatchObject(expected);
  });

  it('refuses a 2001-character button value', async () => {
    const blocks = [
      {
        type: 'actions',
        block_id: 'approve',
        elements: [
          {
            type: 'button',
            action_id: 'approve',
            text: { type: 'plain_text', text: 'Approve' },
            value: 'v'.repeat(2001),
          },
        ],
      },
    ];
    const data = await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'approve?', blocks }));
    expect(data).toMatchObject({
      error: 'invalid_blocks',
      errors: ['must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]'],
    });
  });

  it('refuses text over 40,000 characters with msg_too_long', async () => {
    expect((await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'y'.repeat(40_001) }))).error).toBe(
      'msg_too_long',
    );
  });

  it('rate-limits a burst of posts to one channel with 429 and Retry-After', async () => {
    standIn.setRateLimit({ perChannel: { burst: 2, perSecond: 1 } });
    await client.chat.postMessage({ channel: CHANNEL, text: 'one' });
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'two' });
    const error = (await client.chat
      .postMessage({ channel: CHANNEL, thread_ts: root.ts as string, text: 'three' })
      .catch((caught: unknown) => caught)) as WebAPIRateLimitedError;

    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
    expect(standIn.rateLimitedCount).toBe(1);
    expect(standIn.callsTo('chat.postMessage').at(-1)).toMatchObject({
      status: 429,
      answer: { ok: false, error: 'ratelimited' },
    });
    // Another channel has its own bucket.
    await expect(client.chat.postMessage({ channel: 'C0OTHER', text: 'elsewhere' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('takes a files.uploadV2 upload into the thread', async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: 'Promoting 1.4.2' });
    await client.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: root.ts as string,
      filename: 'plan.txt',
      title: 'Promotion plan',
      content: 'staging → production',
      initial_comment: 'The plan',
    });

    expect(standIn.files).toMatchObject([
      {
        name: 'plan.txt',
        title: 'Promotion plan',
        content: 'staging → production',
        channel: CHANNEL,
        threadTs: root.ts,
        initialComment: 'The plan',
      },
    ]);
    const [reply] = standIn.thread(CHANNEL, root.ts as string);
    expect(reply).toMatchObject({
      text: 'The plan',
      via: 'files.completeUploadExternal',
      files: [{ name: 'plan.txt', title: 'Promotion plan' }],
    });
  });

  it('opens a modal once per trigger id and checks its limits', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'promote',
      title: { type: 'plain_text' as const, text: 'Promote' },
      blocks: [section('Sure?')],
    };
    const triggerId = standIn.triggerId('U0ALICE');
    const opened = await client.views.open({ trigger_id: triggerId, view });
    expect(standIn.views).toMatchObject([{ id: opened.view?.id, callbackId: 'promote', triggerId }]);
    expect((await platformError(client.views.open({ trigger_id: triggerId, view }))).error).toBe(
      'exchanged_trigger_id',
    );
    const tooLong = { ...view, title: { type: 'plain_text' as const, text: 'A title that is far too long' } };
    expect(await platformError(client.views.open({ trigger_id: standIn.triggerId(), view: tooLong }))).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] },
    });
  });

  it('lists user group members and refuses an unknown group', async () => {
    expect(standIn.usergroupId('@release-managers')).toBe('S0ADMINS');
    await expect(client.usergroups.users.list({ usergroup: 'S0ADMINS' })).resolves.toMatchObject({
      users: ['U0ALICE', 'U0BOB'],
    });
    expect((await platformError(client.usergroups.users.list({ usergroup: 'S0NOBODY' }))).error).toBe(
      'no_such_subteam',
    );
  });

  it('can be told to fail the next call', async () => {
    standIn.failNext('chat.postMessage', { error: 'fatal_error' });
    expect((await platformError(client.chat.postMessage({ channel: CHANNEL, text: 'x' }))).error).toBe('fatal_error');
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'x' })).resolves.toMatchObject({ ok: true });
  });
});

describe('response_url', () => {
  async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  it('records an ephemeral answer to the user it was made for, and allows 5 uses', async () => {
    const url = standIn.responseUrl({ user: 'U0ALICE', channel: CHANNEL });
    expect(await post(url, { text: 'Queued 1.4.2' })).toEqual({ status: 200, body: { ok: true } });
    expect(standIn.ephemerals('U0ALICE')).toMatchObject([
      { channel: CHANNEL, text: 'Queued 1.4.2', via: 'response_url' },
    ]);

    await post(url, { text: 'Everyone sees this', response_type: 'in_channel' });
    expect(standIn.channelMessages(CHANNEL)).toMatchObject([{ text: 'Everyone sees this', via: 'response_url' }]);
    for (let use = 3; use <= 5; use += 1) expect((await post(url, { text: `use ${use}` })).status).toBe(200);
    expect(await post(url, { text: 'sixth' })).toEqual({ status: 404, body: { ok: false, error: 'used_url' } });
  });

  it('refuses blocks over the limits without using up the URL', async () => {
    const url = standIn.responseUrl({ user: 'U0ALICE', channel: CHANNEL });
    const answer = await post(url, {
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
    });
    expect(answer).toEqual({
      status: 400,
      body: expect.objectContaining({
        ok: false,
        error: 'invalid_blocks',
        errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
      }),
    });
    expect(standIn.ephemerals()).toEqual([]);
  });
});

describe('signed requests', () => {
  it('signs like the worked example in Slack\'s "Verifying requests from Slack"', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'X-Slack-Request-Timestamp': '1531420618',
    });
  });
});

describe('signed requests into Bolt', () => {
  const signingSecret = 'stand-in-signing-secret';
  let server: Server;
  let receiverUrl: string;

  beforeEach(async () => {
    const receiver = new HTTPReceiver({ signingSecret, logger: silentSlackLogger });
    const app = new App({
      token: 'xoxb-test',
      receiver,
      logger: silentSlackLogger,
      clientOptions: { slackApiUrl: standIn.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/promote', async ({ ack, respond, command }) => {
      await ack();
      await respond({ text: `Promoting ${command.text}` });
    });
    app.command('/status', async ({ ack, command }) => {
      if (command.text === 'quiet') await ack();
      else if (command.text === 'loud')
        await ack({ response_type: 'in_channel', text: 'Everyone: nothing is running' });
      else if (command.text === 'huge')
        await ack({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] });
      else await ack({ text: 'Nothing is running' });
    });
    app.action('approve', async ({ ack, body, client: botClient }) => {
      await ack();
      if (body.type === 'block_actions' && body.channel && body.message) {
        await botClient.chat.update({
          channel: body.channel.id,
          ts: body.message.ts,
          text: `Approved by <@${body.user.id}>`,
        });
      }
    });
    // Bolt checks its token with auth.test as it starts; let that finish before a test can close the stand-in.
    await standIn.waitFor(() => standIn.callsTo('auth.test').length > 0);
    server = createServer(receiver.requestListener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('drives a slash command through Bolt to a response_url ephemeral', async () => {
    const responseUrl = standIn.responseUrl({ user: 'U0ALICE', channel: CHANNEL });
    const answer = await sendSlashCommand(receiverUrl, signingSecret, {
      text: '1.4.2 production',
      user_id: 'U0ALICE',
      channel_id: CHANNEL,
      response_url: responseUrl,
    });
    expect(answer.status).toBe(200);
    const [ephemeral] = await standIn.waitFor(() =>
      standIn.ephemerals('U0ALICE').length > 0 ? standIn.ephemerals('U0ALICE') : undefined,
    );
    expect(ephemeral).toMatchObject({ text: 'Promoting 1.4.2 production', channel: CHANNEL });
  });

  it('shows the answer a slash command carries in its acknowledgement, as Slack does', async () => {
    const status = (text: string) =>
      standIn.slashCommand(receiverUrl, signingSecret, {
        command: '/status',
        text,
        user_id: 'U0ALICE',
        channel_id: CHANNEL,
      });
    expect((await status('')).status).toBe(200);
    expect(standIn.ephemerals('U0ALICE')).toMatchObject([
      { channel: CHANNEL, text: 'Nothing is running', via: 'command_answer' },
    ]);
    await status('loud');
    expect(standIn.channelMessages(CHANNEL)).toMatchObject([
      { text: 'Everyone: nothing is running', via: 'command_answer' },
    ]);
    await status('quiet');
    await status('huge');
    expect(standIn.ephemerals()).toHaveLength(1);
    expect(standIn.channelMessages(CHANNEL)).toHaveLength(1);
  });

  it('drives a button click through Bolt to a chat.update', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'Approve 1.4.2?' });
    const answer = await sendBlockAction(receiverUrl, signingSecret, {
      user: 'U0BOB',
      channel: CHANNEL,
      messageTs: posted.ts as string,
      actions: [{ action_id: 'approve', value: '1.4.2' }],
    });
    expect(answer.status).toBe(200);
    await standIn.waitFor(() => standIn.message(CHANNEL, posted.ts as string)?.edits === 1);
    expect(standIn.message(CHANNEL, posted.ts as string)?.text).toBe('Approved by <@U0BOB>');
  });

  it('gets refused by Bolt with a stale timestamp or a wrong signature', async () => {
    const stale = await sendSlashCommand(
      receiverUrl,
      signingSecret,
      { text: 'x' },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    const forged = await sendSlashCommand(
      receiverUrl,
      signingSecret,
      { text: 'x' },
      { signature: `v0=${'0'.repeat(64)}` },
    );
    expect([stale.status, forged.status]).toEqual([401, 401]);
    expect(standIn.ephemerals()).toEqual([]);
  });
});

describe('Socket Mode', () => {
  const appClient = (token: string) =>
    new WebClient(undefined, {
      slackApiUrl: standIn.apiUrl,
      headers: { Authorization: `Bearer ${token}` },
      logger: silentSlackLogger,
    });

  it('opens a connection URL only for an app-level token in the Authorization header', async () => {
    const opened = await appClient('xapp-test').apps.connections.open();
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket\/link\/\?ticket=[0-9a-f]+&app_id=ABATON$/);
    expect((await platformError(appClient('xoxb-test').apps.connections.open()))?.error).toBe('not_allowed_token_type');
    expect((await platformError(appClient('xapp-wrong').apps.connections.open()))?.error).toBe('invalid_auth');
    const asField = await fetch(`${standIn.apiUrl}apps.connections.open`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'xapp-test' }),
    });
    expect(await asField.json()).toEqual({ ok: false, error: 'not_authed' });
    expect((await platformError(appClient('xapp-test').chat.postMessage({ channel: CHANNEL, text: 'x' })))?.error).toBe(
      'not_allowed_token_type',
    );
  });

  it('says hello on connect and takes each URL once', async () => {
    const { url } = await appClient('xapp-test').apps.connections.open();
    const socket = new WebSocket(url as string);
    const [hello] = (await once(socket, 'message')) as [Buffer];
    expect(JSON.parse(hello.toString())).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'ABATON' },
    });
    const [refusal] = (await once(new WebSocket(url as string), 'error')) as [Error];
    expect(refusal.message).toBe('Unexpected server response: 401');
    socket.close();
    await standIn.waitFor(() => standIn.socketMode.connections[0]?.closedBy === 'app');
  });

  it("delivers a slash command to Bolt's Socket Mode receiver and records its ack", async () => {
    const receiver = new SocketModeReceiver({
      appToken: 'xapp-test',
      logger: silentSlackLogger,
      installerOptions: { clientOptions: { slackApiUrl: standIn.apiUrl } },
    });
    const app = new App({
      token: 'xoxb-test',
      receiver,
      logger: silentSlackLogger,
      clientOptions: { slackApiUrl: standIn.apiUrl },
    });
    const commands: string[] = [];
    app.command('/promote', async ({ ack, command }) => {
      commands.push(command.text);
      await ack({ text: `Promoting ${command.text}` });
    });
    await app.start();
    try {
      const envelopeId = standIn.socketMode.slashCommand({ text: '1.4.2 production' });
      const ack = await standIn.waitFor(() => standIn.socketMode.ackFor(envelopeId));
      expect(commands).toEqual(['1.4.2 production']);
      expect(ack).toMatchObject({ connection: 1, payload: { text: 'Promoting 1.4.2 production' } });
      expect(standIn.socketMode.envelopes).toMatchObject([
        { envelopeId, type: 'slash_commands', acceptsResponsePayload: true },
      ]);
    } finally {
      await receiver.client.disconnect();
    }
  });

  it('closes a connection the app keeps open after a disconnect message', async () => {
    const { url } = await appClient('xapp-test').apps.connections.open();
    const socket = new WebSocket(url as string);
    const messages: unknown[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
    await standIn.waitFor(() => standIn.socketMode.open().length === 1);
    standIn.socketMode.requestDisconnect('warning', { closeAfterMs: 50 });
    await once(socket, 'close');
    expect(messages.at(-1)).toMatchObject({ type: 'disconnect', reason: 'warning' });
    await standIn.waitFor(() => standIn.socketMode.connections[0]?.closedBy === 'stand-in');
  });
});
