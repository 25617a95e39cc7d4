/**
 * Baton on Slack, in-process, against the Slack Web API stand-in: requests
 * are signed the way Slack signs them and sent to Baton's /slack/events; what
 * Baton posts lands in the stand-in, where tests read channels and threads.
 */
import { UNPACED, type ChatPace } from '../../src/chat/pace.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, type RunningBaton } from '../../src/app.ts';
import { SLACK_EVENTS_PATH } from '../../src/chat/slack/settings.ts';
import type { PostedMessage } from '../harness/slack/messages.ts';
import {
  sendBlockAction,
  sendViewSubmission,
  type ReceiverAnswer,
  type SignedRequestOptions,
} from '../harness/slack/signed-requests.ts';
import { startSlackStandIn, type SlackStandIn, type SlackStandInOptions } from '../harness/slack/slack-stand-in.ts';
import { silentLogger } from './silent-logger.ts';

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const ALICE = 'UALICE0001';
export const BOB = 'UBOB000001';
export const MALLORY = 'UMALLORY01';
export const DEPLOYS = 'C0DEPLOYS1';

export interface SlackScene {
  baton: RunningBaton;
  slack: SlackStandIn;
  eventsUrl: string;
  /** `/promote <text>` from `user`; resolves with the HTTP answer (the ack). */
  command(
    user: string,
    text: string,
    request?: { options?: SignedRequestOptions; triggerId?: string },
  ): Promise<ReceiverAnswer>;
  /** Clicks a button of the promotion's root message. */
  click(user: string, actionId: string, promotionId: string, options?: SignedRequestOptions): Promise<ReceiverAnswer>;
  /** Submits the reject modal Baton opened for `user`, with `reason`. */
  submitReject(user: string, reason: string): Promise<ReceiverAnswer>;
  /** The private answers `user` got, oldest first, as text. */
  privateAnswers(user: string): string[];
  /** Waits until `user` has at least `count` private answers. */
  waitForPrivateAnswers(user: string, count: number): Promise<string[]>;
  /** The root message of a promotion, once posted (and once `until` holds for it). */
  promotionMessage(promotionId: string, until?: (root: PostedMessage) => boolean): Promise<PostedMessage>;
  /** Every line of a root message's thread replies (section and context texts). */
  threadText(root: PostedMessage): string;
  stop(): Promise<void>;
}

function textOf(content: { text?: string; blocks?: unknown[] }): string {
  const blocks = JSON.stringify(content.blocks ?? []);
  const texts = [...blocks.matchAll(/"text":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  return texts.length > 0 ? texts.join('\n') : (content.text ?? '');
}

export async function startSlackScene(
  configYaml: string,
  options: { standIn?: SlackStandInOptions; pace?: ChatPace; outboxSweepMs?: number } = {},
): Promise<SlackScene> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-slack-'));
  const configPath = join(dataDir, 'baton.yaml');
  await writeFile(configPath, configYaml);
  const slack = await startSlackStandIn({ rateLimit: null, ...options.standIn });
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    retryDelayMs: 10,
    slack: {
      botToken: 'xoxb-test',
      connection: { mode: 'http', signingSecret: SIGNING_SECRET },
      apiUrl: slack.apiUrl,
      pace: options.pace ?? UNPACED,
    },
    ...(options.outboxSweepMs ? { outboxSweepMs: options.outboxSweepMs } : {}),
  });
  await slack.waitFor(() => slack.callsTo('auth.test').length > 0);
  const eventsUrl = `${baton.url}${SLACK_EVENTS_PATH}`;

  const promotionMessage = (promotionId: string, until: (root: PostedMessage) => boolean = () => true) =>
    slack.waitFor(
      () => slack.channelMessages(DEPLOYS).find((m) => m.text.includes(`Promotion #${promotionId}:`) && until(m)),
      15_000,
    );

  const privateAnswers = (user: string) => slack.ephemerals(user).map((e) => textOf(e));

  return {
    baton,
    slack,
    eventsUrl,
    command: (user, text, request = {}) =>
      slack.slashCommand(
        eventsUrl,
        SIGNING_SECRET,
        {
          user_id: user,
          channel_id: DEPLOYS,
          text,
          response_url: slack.responseUrl({ user, channel: DEPLOYS }),
          ...(request.triggerId ? { trigger_id: request.triggerId } : {}),
        },
        request.options,
      ),
    async click(user, actionId, promotionId, requestOptions) {
      const root = await promotionMessage(promotionId);
      return sendBlockAction(
        eventsUrl,
        SIGNING_SECRET,
        {
          user,
          channel: DEPLOYS,
          messageTs: root.ts,
          actions: [{ action_id: actionId, value: promotionId }],
          responseUrl: slack.responseUrl({ user, channel: DEPLOYS, messageTs: root.ts }),
        },
        requestOptions,
      );
    },
    async submitReject(user, reason) {
      const view = await slack.waitFor(() => [...slack.views].reverse().find((v) => v.callbackId === 'baton_reject'));
      return sendViewSubmission(eventsUrl, SIGNING_SECRET, {
        user,
        callbackId: 'baton_reject',
        viewId: view.id,
        privateMetadata: view.privateMetadata ?? '',
        values: { reason: { reason_text: { type: 'plain_text_input', value: reason } } },
      });
    },
    privateAnswers,
    waitForPrivateAnswers: (user, count) =>
      slack.waitFor(() => {
        const answers = privateAnswers(user);
        return answers.length >= count ? answers : undefined;
      }, 10_000),
    promotionMessage,
    threadText: (root) => root.replies.map((reply) => textOf(reply)).join('\n'),
    async stop() {
      await baton.close();
      await slack.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
