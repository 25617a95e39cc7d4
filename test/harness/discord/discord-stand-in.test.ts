/**
 * The Discord stand-in, driven by the real discord.js Client (REST through
 * @discordjs/rest, the gateway through @discordjs/ws), so what it accepts and
 * refuses is what discord.js sees.
 */
import { createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  ModalBuilder,
  REST,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type RESTOptions,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordStandIn, type DiscordStandIn, type DiscordStandInOptions } from './discord-stand-in.ts';

const PROMOTE = {
  name: 'promote',
  description: 'Promote a release',
  options: [
    { type: 3, name: 'release', description: 'Release name', required: true, autocomplete: true },
    { type: 3, name: 'environment', description: 'Target environment', required: true },
  ],
};

let standIn: DiscordStandIn;
let client: Client | undefined;
let appServer: Server | undefined;

/** A discord.js Client logged in to the stand-in and ready, with /promote registered. */
async function connect(
  options: DiscordStandInOptions = {},
  onInteraction?: (interaction: Interaction) => Promise<void>,
  rest: Partial<RESTOptions> = {},
): Promise<Client> {
  standIn = await startDiscordStandIn({ heartbeatIntervalMs: 1_000, ...options });
  const bot = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: standIn.url, ...rest } });
  client = bot;
  if (onInteraction)
    bot.on(Events.InteractionCreate, (interaction) => void onInteraction(interaction).catch(() => undefined));
  const ready = once(bot, Events.ClientReady);
  await bot.login(standIn.token);
  await ready;
  await bot.application?.commands.set([PROMOTE]);
  return bot;
}

async function apiError(call: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

function planMessage(id: string) {
  return {
    embeds: [
      new EmbedBuilder()
        .setTitle('Promote 2026.11.3 to production')
        .addFields({ name: 'api', value: '1.4.1 → 1.4.2' }, { name: 'iam', value: 'no change' }),
    ],
    components: [
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId(`approve:${id}`).setLabel('Approve').setStyle(ButtonStyle.Success),
        new ButtonBuilder().setCustomId(`reject:${id}`).setLabel('Reject').setStyle(ButtonStyle.Danger),
      ),
    ],
  };
}

afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
  appServer = undefined;
  await standIn?.close();
});

describe('gateway', () => {
  it('takes discord.js from GET /gateway/bot through IDENTIFY to READY and GUILD_CREATE', async () => {
    const bot = await connect();
    expect(bot.user?.id).toBe(standIn.botUserId);
    expect(bot.guilds.cache.get(standIn.guildId)?.name).toBe('Baton Test');
    expect(bot.channels.cache.get(standIn.channelId)?.isTextBased()).toBe(true);
    expect(standIn.identifyCount).toBe(1);
    expect(standIn.connectionCount).toBe(1);
    expect(standIn.gatewayConnections[0]?.url).toBe(`${standIn.gatewayUrl}?v=10&encoding=json`);
    expect(standIn.requestCounts()['GET /gateway/bot']).toBeGreaterThanOrEqual(1);
    expect(standIn.dispatches().map((dispatch) => [dispatch.t, dispatch.s])).toEqual([
      ['READY', 1],
      ['GUILD_CREATE', 2],
    ]);
    expect(standIn.commands().map((command) => command.name)).toEqual(['promote']);
  });

  it('answers heartbeats', async () => {
    const bot = await connect({ heartbeatIntervalMs: 100 });
    await standIn.waitFor(() => (standIn.gatewayConnections[0]?.heartbeats ?? 0) >= 2, 2_000);
    expect(bot.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('closes with 4004 on a wrong token, which discord.js does not retry', async () => {
    standIn = await startDiscordStandIn();
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(`${standIn.gatewayUrl}?v=10&encoding=json`);
    await once(socket, 'message');
    socket.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 1, properties: {} } }));
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4004);
  });

  it('replays what happened while the connection was down once discord.js resumes', async () => {
    const bot = await connect({}, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: 'seen after the drop' });
    });
    const resumed = once(bot.ws.shards.first()!, 'resumed');
    standIn.dropConnection();
    const outcome = await standIn.slashCommand('alice', 'promote', { release: '2026.11.3', environment: 'staging' });
    await resumed;
    expect(outcome.content).toBe('seen after the drop');
    expect(standIn.resumeCount).toBe(1);
    expect(standIn.identifyCount).toBe(1);
    expect(standIn.connectionCount).toBe(2);
    expect(standIn.gatewayConnections[1]?.url).toContain('/gateway/resume?v=10');
    expect(standIn.dispatches().map((dispatch) => dispatch.t)).toEqual([
      'READY',
      'GUILD_CREATE',
      'INTERACTION_CREATE',
      'RESUMED',
    ]);
  });

  it('sends RECONNECT on request, and discord.js resumes the session', async () => {
    const bot = await connect();
    const resumed = once(bot.ws.shards.first()!, 'resumed');
    standIn.requestReconnect();
    await resumed;
    expect(standIn.gatewayConnections[0]?.closedBy).toBe('bot');
    expect(standIn.resumeCount).toBe(1);
    expect(standIn.identifyCount).toBe(1);
  });
});

describe('interactions over the gateway', () => {
  it('delivers a slash command and shows the ephemeral reply to the test', async () => {
    await connect({}, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const release = interaction.options.getString('release', true);
      await interaction.reply({ content: `Planning ${release} for ${interaction.user.username}`, flags: 64 });
    });
    const outcome = await standIn.slashCommand('alice', 'promote', { release: '2026.11.3', environment: 'production' });
    expect(outcome.callbackType).toBe(4);
    expect(outcome.ephemeral).toBe(true);
    expect(outcome.content).toBe('Planning 2026.11.3 for alice');
    expect(outcome.callback?.afterMs).toBeLessThan(3_000);
    expect(standIn.messages(standIn.channelId)).toEqual([]);
    expect(standIn.ephemerals('alice').map((message) => message.content)).toEqual(['Planning 2026.11.3 for alice']);
  });

  it('refuses a second callback with 40060 and a late one with 10062', async () => {
    const errors: DiscordAPIError[] = [];
    const bot = await connect({ interactionDeadlineMs: 200 }, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const route = Routes.interactionCallback(interaction.id, interaction.token);
      if (interaction.options.getString('environment') === 'late')
        await new Promise((resolve) => setTimeout(resolve, 300));
      else await bot.rest.post(route, { body: { type: 5 }, auth: false });
      await bot.rest
        .post(route, { body: { type: 4, data: { content: 'again' } }, auth: false })
        .catch((error: DiscordAPIError) => errors.push(error));
    });
    const twice = await standIn.slashCommand('alice', 'promote', { release: 'r', environment: 'staging' });
    await standIn.waitFor(() => errors.length === 1);
    expect(twice.callbackType).toBe(5);
    expect([errors[0]?.status, errors[0]?.code, errors[0]?.message]).toEqual([
      400,
      40060,
      'Interaction has already been acknowledged.',
    ]);
    const late = await standIn.slashCommand('alice', 'promote', { release: 'r', environment: 'late' });
    await standIn.waitFor(() => errors.length === 2);
    expect(late.answered).toBe(false);
    expect([errors[1]?.status, errors[1]?.code]).toEqual([404, 10062]);
  });

  it('defers, edits the reply into a plan with buttons, threads it, and takes a click answered with update', async () => {
    const bot = await connect({}, async (interaction) => {
      if (interaction.isChatInputCommand()) {
        await interaction.deferReply();
        const reply = await interaction.editReply({ content: 'Plan', ...planMessage('p1') });
        const thread = await reply.startThread({ name: 'Promotion p1' });
        await thread.send('staging: api 1.4.2 rolled out');
      } else if (interaction.isButton() && interaction.customId === 'approve:p1') {
        await interaction.update({ content: `Approved by ${interaction.user.username}`, components: [] });
      }
    });
    const command = await standIn.slashCommand('bob', 'promote', { release: '2026.11.3', environment: 'production' });
    expect(command.callbackType).toBe(5);
    const plan = await standIn.waitFor(
      () => standIn.threads()[0] && standIn.messages(standIn.threads()[0]!.id)[0] && command.response,
    );
    expect(plan.embeds[0]).toMatchObject({
      title: 'Promote 2026.11.3 to production',
      fields: [{ name: 'api' }, { name: 'iam' }],
    });
    const [thread] = standIn.threads();
    expect(thread).toMatchObject({ id: plan.id, parentId: standIn.channelId, name: 'Promotion p1' });
    expect(standIn.messages(thread!.id).map((message) => message.content)).toEqual(['staging: api 1.4.2 rolled out']);
    expect(bot.channels.cache.get(thread!.id)?.isThread()).toBe(true);

    const click = await standIn.clickButton('alice', plan.id, 'approve:p1');
    expect(click.callbackType).toBe(7);
    const [message] = standIn.messages(standIn.channelId);
    expect(message).toMatchObject({ id: plan.id, content: 'Approved by alice', components: [] });
    expect(message?.history.map((version) => version.content)).toEqual(['', 'Plan']);
  });

  it('opens a modal from a button and receives its submission', async () => {
    const reasons: string[] = [];
    await connect({}, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply(planMessage('p2'));
      else if (interaction.isButton()) {
        const reason = new TextInputBuilder()
          .setCustomId('reason')
          .setLabel('Why reject?')
          .setStyle(TextInputStyle.Paragraph);
        await interaction.showModal(
          new ModalBuilder()
            .setCustomId('reject-modal:p2')
            .setTitle('Reject promotion')
            .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(reason)),
        );
      } else if (interaction.isModalSubmit()) {
        reasons.push(interaction.fields.getTextInputValue('reason'));
        await interaction.reply({ content: 'Rejected', flags: 64 });
      }
    });
    const command = await standIn.slashCommand('alice', 'promote', { release: 'r', environment: 'production' });
    const click = await standIn.clickButton('bob', command.response!.id, 'reject:p2');
    expect(click.callbackType).toBe(9);
    expect(click.modal).toMatchObject({ custom_id: 'reject-modal:p2', title: 'Reject promotion' });
    const submit = await standIn.submitModal('bob', 'reject-modal:p2', { reason: 'smoke tests red' });
    expect(reasons).toEqual(['smoke tests red']);
    expect([submit.callbackType, submit.ephemeral, submit.content]).toEqual([4, true, 'Rejected']);
    await expect(standIn.submitModal('bob', 'reject-modal:p2', { reason: 'twice' })).rejects.toThrow(/No modal/);
  });

  it('answers autocomplete with the choices discord.js sent', async () => {
    await connect({}, async (interaction) => {
      if (interaction.isAutocomplete()) {
        const typed = interaction.options.getFocused();
        await interaction.respond(
          ['2026.11.3', '2026.11.2'].filter((name) => name.startsWith(typed)).map((name) => ({ name, value: name })),
        );
      }
    });
    const outcome = await standIn.autocomplete('alice', 'promote', { release: '2026.11' }, 'release');
    expect(outcome.callbackType).toBe(8);
    expect(outcome.choices).toEqual([
      { name: '2026.11.3', value: '2026.11.3' },
      { name: '2026.11.2', value: '2026.11.2' },
    ]);
  });
  it('takes follow-ups and refuses the webhook before the callback (10015) and a modal over its limits (50035)', async () => {
    const seen: Array<DiscordAPIError | string> = [];
    const bot = await connect(
      {},
      async (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        await bot.rest
          .post(Routes.webhook(interaction.applicationId, interaction.token), {
            body: { content: 'too early' },
            auth: false,
          })
          .catch((error: DiscordAPIError) => seen.push(error));
        // Raw JSON: discord.js's builders would refuse the long title before sending it.
        const modal = {
          custom_id: 'm',
          title: 't'.repeat(46),
          components: [{ type: 1, components: [{ type: 4, custom_id: 'reason', label: 'Why?', style: 1 }] }],
        };
        await interaction.showModal(modal).catch((error: DiscordAPIError) => seen.push(error));
        await interaction.deferReply({ flags: 64 });
        await interaction.editReply('Planned');
        const followUp = await interaction.followUp({
          content: 'Waiting for approval',
          files: [{ attachment: Buffer.from('plan body'), name: 'plan.txt' }],
        });
        seen.push(followUp.attachments.first()?.name ?? 'no attachment');
        // Files go as multipart: @discordjs/rest's default undici `request` (undici 7 here, by the
        // override) cannot send Node 20's global FormData ("action is not a function"); global fetch can.
      },
      {
        makeRequest: (url, init) =>
          fetch(url, init as RequestInit) as unknown as ReturnType<RESTOptions['makeRequest']>,
      },
    );
    const outcome = await standIn.slashCommand('alice', 'promote', { release: 'r', environment: 'staging' });
    await standIn.waitFor(() => seen.length === 3);
    expect((seen[0] as DiscordAPIError).code).toBe(10015);
    expect((seen[1] as DiscordAPIError).rawError).toMatchObject({
      code: 50035,
      errors: {
        data: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 45 or fewer in length.' }] } },
      },
    });
    expect(seen[2]).toBe('plan.txt');
    expect([outcome.callbackType, outcome.ephemeral, outcome.content]).toEqual([5, true, 'Planned']);
    expect(outcome.response?.history.map((version) => version.flags)).toEqual([64 | 128]);
    const [followUp] = outcome.followUps;
    expect(followUp?.attachments.map((attachment) => [attachment.filename, attachment.bytes.toString()])).toEqual([
      ['plan.txt', 'plan body'],
    ]);
    expect(await (await fetch(followUp!.attachments[0]!.url)).text()).toBe('plan body');
    expect(outcome.refusals.map((refusal) => refusal.code)).toEqual([10015, 50035]);
  });

  it('makes discord.js identify again after INVALID_SESSION', async () => {
    standIn = await startDiscordStandIn({ heartbeatIntervalMs: 1_000 });
    const bot = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: standIn.url },
      // discord.js spaces identifies 5 s apart; the stand-in has no such limit to protect.
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => undefined }) },
    });
    client = bot;
    const ready = once(bot, Events.ClientReady);
    await bot.login(standIn.token);
    await ready;
    const firstSession = standIn.dispatches()[0]?.d as { session_id: string };
    standIn.invalidateSession();
    await standIn.waitFor(() => standIn.identifyCount === 2, 5_000);
    expect((standIn.dispatches()[0]?.d as { session_id: string }).session_id).not.toBe(firstSession.session_id);
    expect(standIn.resumeCount).toBe(0);
  });
});

describe('REST', () => {
  it('refuses a bad token with 401 and Discord JSON error', async () => {
    await connect();
    const rest = new REST({ api: standIn.url }).setToken('not-the-token');
    const error = await apiError(rest.get(Routes.user('@me')));
    expect([error.status, error.code, error.message]).toEqual([401, 0, '401: Unauthorized']);
  });

  it('refuses content over 2000 characters, oversize embeds and bad buttons with 50035', async () => {
    const bot = await connect();
    const channel = bot.channels.cache.get(standIn.channelId) as TextChannel;
    const long = await apiError(channel.send('x'.repeat(2001)));
    expect(long.code).toBe(50035);
    expect(long.rawError).toMatchObject({
      message: 'Invalid Form Body',
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    });

    const button = (id: string) => ({ type: 2, style: 1, label: 'x', custom_id: id });
    const body = {
      embeds: [{ title: 't'.repeat(257), fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }],
      components: [
        { type: 1, components: [1, 2, 3, 4, 5, 6].map((n) => button(`b${n}`)) },
        { type: 1, components: [button('b1'), { ...button('c'.repeat(101)), label: 'l'.repeat(81) }] },
      ],
    };
    const error = await apiError(bot.rest.post(Routes.channelMessages(standIn.channelId), { body }));
    expect(error.rawError).toMatchObject({
      code: 50035,
      errors: {
        embeds: {
          0: {
            title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] },
            fields: { _errors: [{ message: 'Must be 25 or fewer in length.' }] },
          },
        },
        components: {
          0: { components: { _errors: [{ message: 'Must be 5 or fewer in length.' }] } },
          1: {
            components: {
              0: { custom_id: { _errors: [{ code: 'COMPONENT_CUSTOM_ID_DUPLICATED' }] } },
              1: { custom_id: {}, label: {} },
            },
          },
        },
      },
    });
    expect(standIn.messages(standIn.channelId)).toEqual([]);
  });

  it('looks up members and roles', async () => {
    await connect({
      guilds: [
        {
          id: '1400000000000000001',
          channels: [{ id: '1400000000000000002', name: 'deploys' }],
          roles: [{ id: '1400000000000000003', name: 'release-managers' }],
          members: [{ id: '1400000000000000004', username: 'carol', roles: ['1400000000000000003'] }],
        },
      ],
    });
    const guild = client!.guilds.cache.get('1400000000000000001')!;
    const member = await guild.members.fetch('1400000000000000004');
    expect(member.roles.cache.map((role) => role.name).sort()).toEqual(['@everyone', 'release-managers']);
    const roles = await guild.roles.fetch();
    expect(roles.map((role) => role.name).sort()).toEqual(['@everyone', 'release-managers']);
    expect((await apiError(guild.members.fetch('1400000000000000099'))).code).toBe(10007);
  });

  it('announces per-route limits in headers, and discord.js paces itself to them', async () => {
    const bot = await connect({
      rateLimits: { routes: { 'POST /channels/{channel.id}/messages': { limit: 3, windowMs: 400 } } },
    });
    const channel = bot.channels.cache.get(standIn.channelId) as TextChannel;
    const answer = await fetch(`${standIn.url}/v10/channels/${standIn.channelId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${standIn.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'first' }),
    });
    expect(answer.headers.get('x-ratelimit-limit')).toBe('3');
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(Number(answer.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(0);
    expect(answer.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]+$/);
    await Promise.all(Array.from({ length: 9 }, (_, n) => channel.send(`step ${n}`)));
    expect(standIn.messages(standIn.channelId).map((message) => message.content)).toEqual([
      'first',
      ...Array.from({ length: 9 }, (_, n) => `step ${n}`),
    ]);
    expect(standIn.requestCounts()['POST /channels/{channel.id}/messages']).toBe(10 + standIn.rateLimitedCount);
  });

  it('answers past the global limit with 429, which @discordjs/rest waits out; every message arrives in order', async () => {
    const bot = await connect();
    const channel = bot.channels.cache.get(standIn.channelId) as TextChannel;
    standIn.setRateLimits({
      globalPerSecond: 4,
      routes: { 'POST /channels/{channel.id}/messages': { limit: 100, windowMs: 1_000 } },
    });
    await Promise.all(Array.from({ length: 8 }, (_, n) => channel.send(`message ${n}`)));
    expect(standIn.messages(standIn.channelId).map((message) => message.content)).toEqual(
      Array.from({ length: 8 }, (_, n) => `message ${n}`),
    );
    expect(standIn.rateLimitedCount).toBeGreaterThan(0);
    expect(standIn.rateLimited.every((limited) => limited.scope === 'global' && limited.retryAfterSeconds >= 1)).toBe(
      true,
    );
    const refused = standIn.requests.find((request) => request.status === 429);
    expect(refused?.route).toBe('POST /channels/{channel.id}/messages');
  });
});

describe('interactions over HTTP', () => {
  it('signs every delivery with Ed25519 over timestamp + body, and takes the answer in the HTTP response', async () => {
    standIn = await startDiscordStandIn();
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(standIn.publicKey, 'hex').toString('base64url') },
      format: 'jwk',
    });
    const seen: Array<{ valid: boolean; type: number }> = [];
    appServer = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(request.headers['x-signature-timestamp']);
        const signatureHex = String(request.headers['x-signature-ed25519']);
        const valid = verify(null, Buffer.from(timestamp + body), key, Buffer.from(signatureHex, 'hex'));
        const interaction = JSON.parse(body) as { type: number; member?: { user: { username: string } } };
        seen.push({ valid, type: interaction.type });
        if (!valid) {
          response.writeHead(401).end('invalid request signature');
          return;
        }
        const answer =
          interaction.type === 1
            ? { type: 1 }
            : { type: 4, data: { content: `hello ${interaction.member?.user.username}`, flags: 64 } };
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    appServer.listen(0, '127.0.0.1');
    await once(appServer, 'listening');
    standIn.setInteractionsEndpoint(
      `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/discord/interactions`,
    );

    const ping = await standIn.ping();
    expect([ping.callbackType, ping.callback?.via]).toEqual([1, 'http-response']);

    await new REST({ api: standIn.url })
      .setToken(standIn.token)
      .put(Routes.applicationCommands(standIn.applicationId), { body: [PROMOTE] });
    const command = await standIn.slashCommand('alice', 'promote', { release: 'r', environment: 'dev' });
    expect([command.callbackType, command.ephemeral, command.content]).toEqual([4, true, 'hello alice']);

    const forged = await standIn.sendSigned({ type: 1 }, { badSignature: true });
    expect(forged.status).toBe(401);
    expect(seen).toEqual([
      { valid: true, type: 1 },
      { valid: true, type: 2 },
      { valid: false, type: 1 },
    ]);
  });
});
