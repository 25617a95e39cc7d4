/**
 * What Baton does with each kind of chat failure, the same on Slack and on
 * Discord, through the outbox against each platform's stand-in: a channel it
 * cannot post to keeps its records (and says so) until it works again; a 5xx
 * and a 429 are waited out; a message the platform refuses goes again as a
 * summary with its full text attached; an edited message that is gone is
 * left alone. Every time the thread ends complete, in order, nothing twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderThreadEvent } from '../../src/chat/render/thread-event.ts';
import { isTerminal } from '../../src/core/model.ts';
import type { StoredMessage } from '../harness/discord/discord-stand-in.ts';
import {
  ALICE as DISCORD_ALICE,
  BOB as DISCORD_BOB,
  messageText,
  startDiscordScene,
  type DiscordScene,
} from '../support/discord-scene.ts';
import { ALICE as SLACK_ALICE, DEPLOYS, startSlackScene, type SlackScene } from '../support/slack-scene.ts';

const config = (channel: string) => `
version: 1
environments:
  - name: dev
    channel: "${channel}"
components:
  api:
    adapter: script
    with:
      apply: [node, -e, "0"]
  web:
    adapter: script
    needs: [api]
    with:
      apply: [node, -e, "0"]
`;

/** How often the outbox sweeps and tries a failing channel again in these tests (a minute in production). */
const SWEEP_MS = 300;

type Failure =
  | 'channel unusable'
  | 'server error on posts'
  | 'server error on edits'
  | 'message refused'
  | 'rate limited edits'
  | 'edited message gone';

interface ChatSide {
  readonly name: string;
  request(text: string): Promise<string>;
  status(): Promise<string>;
  /** The plan message's text and every reply's, in order; undefined before the plan is posted. */
  thread(id: string): string[] | undefined;
  /** Every file attached in the channel or its threads, as text. */
  files(): string[];
  fail(failure: Failure): void;
  heal(): void;
  readyz(): Promise<{ chat?: { channelsFailing: { channel: string; reason: string }[] } }>;
  baton(): DiscordScene['baton'];
  stop(): Promise<void>;
}

async function slackSide(): Promise<ChatSide> {
  const scene: SlackScene = await startSlackScene(config(DEPLOYS), { outboxSweepMs: SWEEP_MS });
  const { slack } = scene;
  const answerAfter = async (text: string) => {
    const before = scene.privateAnswers(SLACK_ALICE).length;
    await scene.command(SLACK_ALICE, text);
    return (await scene.waitForPrivateAnswers(SLACK_ALICE, before + 1)).at(-1) ?? '';
  };
  const root = (id: string) => slack.channelMessages(DEPLOYS).find((m) => m.text.includes(`Promotion #${id}:`));
  return {
    name: 'Slack',
    async request(text) {
      const answer = await answerAfter(text);
      const id = /#(\d+)/.exec(answer)?.[1];
      if (!id) throw new Error(`no promotion was requested: ${answer}`);
      return id;
    },
    status: () => answerAfter('status'),
    thread(id) {
      const plan = root(id);
      return plan ? [plan.text, ...plan.replies.map((reply) => reply.text)] : undefined;
    },
    files: () => slack.files.map((file) => file.bytes?.toString('utf8') ?? ''),
    fail(failure) {
      if (failure === 'channel unusable') slack.setChannelError(DEPLOYS, 'not_in_channel');
      if (failure === 'server error on posts') slack.failNext('chat.postMessage', { status: 500 }, 2);
      if (failure === 'server error on edits') slack.failNext('chat.update', { status: 503 }, 3);
      if (failure === 'message refused') slack.failNext('chat.postMessage', { error: 'msg_too_long' });
      if (failure === 'rate limited edits') slack.failNext('chat.update', { status: 429, retryAfter: 1 }, 2);
      if (failure === 'edited message gone') slack.failNext('chat.update', { error: 'message_not_found' });
    },
    heal: () => slack.setChannelError(DEPLOYS, undefined),
    readyz: async () => (await fetch(`${scene.baton.url}/readyz`)).json() as ReturnType<ChatSide['readyz']>,
    baton: () => scene.baton,
    stop: () => scene.stop(),
  };
}

interface Embed {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}

/** What a Discord message says, markdown escapes taken out. */
function plainText(message: StoredMessage): string {
  const embeds = (message.embeds as Embed[]).flatMap((e) => [
    e.title ?? '',
    e.description ?? '',
    ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
    e.footer?.text ?? '',
  ]);
  return [message.content, ...embeds].join('\n').replaceAll('\\', '');
}

const POST = 'POST /channels/{channel.id}/messages';
const EDIT = 'PATCH /channels/{channel.id}/messages/{message.id}';

async function discordSide(): Promise<ChatSide> {
  const scene: DiscordScene = await startDiscordScene(config, { outboxSweepMs: SWEEP_MS });
  const { discord } = scene;
  const root = (id: string) =>
    discord.messages(discord.channelId).find((m) => messageText(m).includes(`Promotion #${id}:`));
  const command = async (text: string) => {
    const outcome = await discord.slashCommand(DISCORD_ALICE, 'promote', { command: text });
    return outcome.response ? plainText(outcome.response) : '';
  };
  return {
    name: 'Discord',
    async request(text) {
      const answer = await command(text);
      const id = /#(\d+)/.exec(answer)?.[1];
      if (!id) throw new Error(`no promotion was requested: ${answer}`);
      return id;
    },
    status: () => command('status'),
    thread(id) {
      const plan = root(id);
      return plan ? [plainText(plan), ...discord.messages(plan.id).map(plainText)] : undefined;
    },
    files: () =>
      [discord.channelId, ...discord.threads().map((t) => t.id)].flatMap((channel) =>
        discord.messages(channel).flatMap((m) => m.attachments.map((a) => a.bytes.toString('utf8'))),
      ),
    fail(failure) {
      if (failure === 'channel unusable')
        discord.setChannelFailure(discord.channelId, { status: 403, code: 50001, message: 'Missing Access' });
      // discord.js tries a 5xx three more times itself; Baton's pacer takes the rest.
      if (failure === 'server error on posts') discord.failNext(POST, { status: 502 }, 5);
      if (failure === 'server error on edits') discord.failNext(EDIT, { status: 503 }, 6);
      if (failure === 'message refused')
        discord.failNext(POST, { status: 400, code: 50035, message: 'Invalid Form Body' });
      if (failure === 'rate limited edits') discord.failNext(EDIT, { status: 429, retryAfter: 1 }, 2);
      if (failure === 'edited message gone')
        discord.failNext(EDIT, { status: 404, code: 10008, message: 'Unknown Message' });
    },
    heal: () => discord.setChannelFailure(discord.channelId, undefined),
    readyz: async () => (await fetch(`${scene.baton.url}/readyz`)).json() as ReturnType<ChatSide['readyz']>,
    baton: () => scene.baton,
    stop: () => scene.stop(),
  };
}

async function finished(side: ChatSide, id: string): Promise<void> {
  await expect
    .poll(async () => isTerminal((await side.baton().engine.store.getPromotion(id))?.state ?? 'planning'), {
      timeout: 15_000,
    })
    .toBe(true);
}

/** Waits for the thread to show the promotion's end, then checks every record it shows is in it once, in order. */
async function completeThread(side: ChatSide, id: string): Promise<void> {
  await expect
    .poll(() => side.thread(id)?.some((line) => line.includes(`Promotion #${id} succeeded`)) ?? false, {
      timeout: 15_000,
    })
    .toBe(true);
  const replies = (side.thread(id) ?? []).slice(1).join('\n');
  const store = side.baton().engine.store;
  const promotion = await store.getPromotion(id);
  if (!promotion) throw new Error(`no promotion #${id}`);
  const shown = (await store.readAudit(`promotion-${id}`))
    .slice(1)
    .flatMap((record) => renderThreadEvent(record, promotion)?.text ?? []);
  expect(shown.length).toBeGreaterThan(3);
  let from = 0;
  for (const text of shown) {
    const at = replies.indexOf(text, from);
    expect(at, `"${text}" in the thread after what came before it`).toBeGreaterThanOrEqual(0);
    expect(replies.split(text).length - 1, `"${text}" once`).toBe(1);
    from = at + text.length;
  }
}

describe.each([
  ['Slack', slackSide],
  ['Discord', discordSide],
])('chat failures on %s', (_name, open) => {
  let side: ChatSide | undefined;
  afterEach(async () => {
    await side?.stop();
    side = undefined;
  });

  it('keeps the records of a channel it cannot post to, says so in /readyz and /promote status, and completes the thread once the channel works', async () => {
    side = await open();
    side.fail('channel unusable');
    const id = await side.request('api=1.0.0 web=1.0.0 to dev');
    await finished(side, id);
    await expect
      .poll(async () => (await side?.readyz())?.chat?.channelsFailing.length ?? 0, { timeout: 5_000 })
      .toBe(1);
    const failing = (await side.readyz()).chat?.channelsFailing[0];
    expect(failing?.reason).toMatch(/not_in_channel|50001 Missing Access/);
    expect(side.thread(id)).toBeUndefined();
    const status = await side.status();
    expect(status).toContain('Baton cannot post to');
    expect(status).toContain('nothing is lost');

    side.heal();
    await completeThread(side, id);
    await expect.poll(async () => (await side?.readyz())?.chat, { timeout: 5_000 }).toBeUndefined();
    expect(await side.status()).not.toContain('Baton cannot post to');
  });

  it('waits out a server error on posts: nothing lost, nothing posted twice', async () => {
    side = await open();
    side.fail('server error on posts');
    const id = await side.request('api=1.0.0 web=1.0.0 to dev');
    await completeThread(side, id);
  });

  it('posts a message the platform refuses to render again as a summary, with its full text attached', async () => {
    side = await open();
    side.fail('message refused');
    const id = await side.request('api=1.0.0 web=1.0.0 to dev');
    await completeThread(side, id);
    await expect
      .poll(() => side?.files().some((file) => file.includes(`Promotion #${id}`)) ?? false, { timeout: 5_000 })
      .toBe(true);
  });

  it('tries an edit of the plan message again after a server error, and it ends showing the promotion finished', async () => {
    side = await open();
    side.fail('server error on edits');
    const id = await side.request('api=1.0.0 web=1.0.0 to dev');
    await completeThread(side, id);
    await expect.poll(() => side?.thread(id)?.[0] ?? '', { timeout: 10_000 }).toContain('succeeded');
  });

  it('waits out a 429 on edits of the plan message, which ends showing the promotion finished', async () => {
    side = await open();
    side.fail('rate limited edits');
    const id = await side.request('api=1.0.0 web=1.0.0 to dev');
    await completeThread(side, id);
    await expect.poll(() => side?.thread(id)?.[0] ?? '', { timeout: 10_000 }).toContain('succeeded');
  });

  it('leaves alone a plan message that is gone when edited, and still completes the thread', async () => {
    side = await open();
    side.fail('edited message gone');
    const id = await side.request('api=1.0.0 web=1.0.0 to dev');
    await completeThread(side, id);
  });
});

describe('a Discord thread Baton cannot post to', () => {
  it("holds back only that thread: the channel's other threads go on, and /readyz names the thread", async () => {
    const approved = (channel: string) =>
      config(channel).replace(
        `channel: "${channel}"`,
        `channel: "${channel}"\n    approvals: { required: 1, from: ["${DISCORD_BOB}"] }`,
      );
    const scene = await startDiscordScene(approved, { outboxSweepMs: SWEEP_MS });
    try {
      const { discord } = scene;
      const request = async (text: string) =>
        /#(\d+)/.exec((await discord.slashCommand(DISCORD_ALICE, 'promote', { command: text })).content ?? '')?.[1] ??
        '';
      const first = await request('api=1.0.0 web=1.0.0 to dev');
      const plan = await scene.planMessage(first, (m) => messageText(m).includes('awaiting approval'));
      // The thread starts from the plan message with the first reply; a moderator locks it before that.
      discord.setChannelFailure(plan.id, { status: 400, code: 160005, message: 'Thread is locked' });
      await discord.clickButton(DISCORD_BOB, plan.id, `baton:approve:${first}`);
      await finished({ baton: () => scene.baton } as ChatSide, first);

      const second = await request('api=1.0.1 web=1.0.1 to dev');
      const secondPlan = await scene.planMessage(second, (m) => messageText(m).includes('awaiting approval'));
      await discord.clickButton(DISCORD_BOB, secondPlan.id, `baton:approve:${second}`);
      await expect
        .poll(
          () => discord.messages(secondPlan.id).some((m) => plainText(m).includes(`Promotion #${second} succeeded`)),
          { timeout: 15_000 },
        )
        .toBe(true);
      expect(discord.messages(plan.id)).toEqual([]);
      const ready = (await (await fetch(`${scene.baton.url}/readyz`)).json()) as {
        chat?: { channelsFailing: { channel: string; reason: string }[] };
      };
      expect(ready.chat?.channelsFailing).toEqual([
        expect.objectContaining({
          channel: `the thread of promotion #${first} in #${discord.channelId}`,
          reason: '160005 thread locked',
        }),
      ]);

      discord.setChannelFailure(plan.id, undefined);
      await expect
        .poll(() => discord.messages(plan.id).some((m) => plainText(m).includes(`Promotion #${first} succeeded`)), {
          timeout: 15_000,
        })
        .toBe(true);
    } finally {
      await scene.stop();
    }
  });
});
