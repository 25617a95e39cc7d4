/**
 * Slack's side of Baton: `/promote`, the Approve / Reject / Roll back buttons
 * and the reject-reason modal, through Bolt. Every request is acknowledged
 * within Slack's three seconds: a `/promote` answer that is ready at once rides
 * on the acknowledgement, slower work follows it; answers meant for one person
 * are ephemeral. Over HTTP, Baton refuses a timestamp more than five minutes
 * from now either way, then Bolt checks the v0 signature on the raw body; with
 * an app token, Socket Mode needs no public URL.
 */
import {
  App,
  HTTPReceiver,
  SocketModeReceiver,
  type BlockAction,
  type ButtonAction,
  type RespondFn,
} from '@slack/bolt';
import { WebAPIRequestError } from '@slack/web-api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/capabilities.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';
import { webhookBody } from '../../http/raw-body.ts';
import { requestTimestampProblem } from '../../http/request-window.ts';
import type { HttpServer } from '../../http/server.ts';
import type { IncomingAction, InteractionHandler, Receiver, Reply } from '../contract.ts';
import { ACTION_IDS } from '../message.ts';
import { settledWithin } from '../settled-within.ts';
import { renderBlockKit } from './block-kit.ts';
import { slackLogger } from './bolt-logger.ts';
import { missingReason, readReason, readRejectTarget, REJECT_CALLBACK_ID, rejectModal } from './reject-modal.ts';
import { SLACK_EVENTS_PATH, type SlackSettings } from './settings.ts';

/**
 * An answer ready within this time rides on the acknowledgement itself: the
 * person sees it at once, and no second request to Slack is made. Anything
 * slower is acknowledged empty at this point and answered through the
 * response_url, well inside Slack's three seconds.
 */
const QUICK_ANSWER_MS = 1000;

function replyPayload(reply: Reply): Parameters<RespondFn>[0] {
  const { text, blocks } = renderBlockKit(reply.message, { fullTextAttached: false });
  return {
    response_type: reply.visibility === 'channel' ? 'in_channel' : 'ephemeral',
    replace_original: false,
    text,
    blocks,
  };
}

export interface SlackReceiverOptions {
  settings: SlackSettings;
  logger: Logger;
  /** Over HTTP, Slack's requests arrive on this server at /slack/events. */
  server: Pick<HttpServer, 'mount'>;
}

export class SlackReceiver implements Receiver {
  private httpReceiver: HTTPReceiver | undefined;
  private socketMode: SocketModeReceiver | undefined;

  constructor(private readonly options: SlackReceiverOptions) {
    // In Socket Mode, requests come over the socket; nothing is served here.
    if (options.settings.connection.mode !== 'http') return;
    options.server.mount(SLACK_EVENTS_PATH, (request, response) => {
      // Before Bolt, which only refuses timestamps from the past; Bolt still checks the signature.
      const stale = requestTimestampProblem(
        request.headers['x-slack-request-timestamp'],
        Date.now(),
        'X-Slack-Request-Timestamp',
      );
      if (stale) {
        options.logger.warn(
          { path: SLACK_EVENTS_PATH, remoteAddress: request.socket.remoteAddress },
          `refused a Slack request: ${stale}`,
        );
        response
          .writeHead(401, { 'content-type': 'text/plain', connection: 'close' })
          .end(`Refused: ${stale}. Check this machine's clock (NTP).`);
        return;
      }
      this.handOver(request, response).catch((error: unknown) => {
        options.logger.error({ err: errorMessage(error) }, 'reading a Slack request failed');
        if (!response.headersSent) response.writeHead(400).end();
      });
    });
  }

  /** Bolt reads the body whole, however large, before it checks the signature: it gets a body read within the limit. */
  private async handOver(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await webhookBody(request, response);
    if (!body) return;
    if (!this.httpReceiver) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('Baton is starting; Slack will retry.');
      return;
    }
    Object.assign(request, { rawBody: body });
    this.httpReceiver.requestListener(request, response);
  }

  async start(handler: InteractionHandler): Promise<void> {
    const { settings, logger } = this.options;
    const boltLogger = slackLogger(logger);
    // A few quick retries: an unreachable Slack should stop the start with an error, not stall it for half an hour.
    const clientOptions = { slackApiUrl: settings.apiUrl, retryConfig: { retries: 2 } };
    // The socket client gets a copy: it sets its own retry policy (100 retries) on the options it is given, which the bot's client would inherit.
    const receiver =
      settings.connection.mode === 'http'
        ? new HTTPReceiver({
            signingSecret: settings.connection.signingSecret,
            endpoints: SLACK_EVENTS_PATH,
            logger: boltLogger,
          })
        : new SocketModeReceiver({
            appToken: settings.connection.appToken,
            logger: boltLogger,
            installerOptions: { clientOptions: { ...clientOptions } },
          });
    // Deferred, so that a token Slack refuses stops Baton at start with a clear error. Baton keeps no
    // conversation state in Bolt; its store would look up (and fail to find, with a stack trace) every request.
    const app = new App({
      token: settings.botToken,
      receiver,
      logger: boltLogger,
      clientOptions,
      deferInitialization: true,
      convoStore: false,
    });
    this.listen(app, handler);
    try {
      await app.init();
    } catch (error) {
      const unreachable = error instanceof WebAPIRequestError;
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        unreachable
          ? `Could not reach Slack at ${settings.apiUrl} (${errorMessage(error)}). Check SLACK_API_URL and that this machine can reach it.`
          : `Slack did not accept SLACK_BOT_TOKEN at ${settings.apiUrl} (${errorMessage(error)}). Check the token on the app's "OAuth & Permissions" page and that the app is installed in the workspace.`,
        { cause: error },
      );
    }
    if (receiver instanceof HTTPReceiver) {
      // Bolt's own start() would open a second port; Baton's server carries the requests instead.
      this.httpReceiver = receiver;
    } else {
      await app.start();
      this.socketMode = receiver;
    }
  }

  async stop(): Promise<void> {
    this.httpReceiver = undefined;
    // Bolt's App.stop() only begins the socket's close handshake; Baton has stopped once the socket is closed.
    await this.socketMode?.client.disconnect();
    this.socketMode = undefined;
  }

  private listen(app: App, handler: InteractionHandler): void {
    const { logger } = this.options;

    app.use(async ({ body, ack, next }) => {
      const key = deliveryKey(body);
      // With the store out of reach, the request goes on and its answer says so; a retry may then act twice.
      const first = key ? await handler.firstDelivery(`slack:${key}`).catch(() => true) : true;
      if (!first) {
        logger.info({ key }, 'Slack delivered a request again; answered without acting twice');
        await ack?.();
        return;
      }
      await next();
    });

    app.command('/promote', async ({ command, ack, respond }) => {
      const answer = handler.command({ user: command.user_id, channel: command.channel_id, text: command.text });
      const quick = await settledWithin(answer, QUICK_ANSWER_MS);
      if (quick?.ok) {
        await ack(replyPayload(quick.value));
        return;
      }
      await ack();
      await respond(replyPayload(await answer));
    });

    for (const actionId of ACTION_IDS) {
      app.action<BlockAction<ButtonAction>>(
        { type: 'block_actions', action_id: actionId },
        async ({ ack, body, action, respond, client }) => {
          await ack();
          const channel = body.channel?.id ?? body.container.channel_id ?? '';
          if (actionId === 'reject') {
            await client.views.open({
              trigger_id: body.trigger_id,
              view: rejectModal({ promotionId: action.value ?? '', channel }),
            });
            return;
          }
          const incoming: IncomingAction = { user: body.user.id, channel, actionId, value: action.value ?? '' };
          await respond(replyPayload(await handler.action(incoming)));
        },
      );
    }

    app.view(REJECT_CALLBACK_ID, async ({ ack, body, view, client }) => {
      const reason = readReason(view.state.values);
      const target = readRejectTarget(view.private_metadata);
      if (!reason) {
        await ack(missingReason);
        return;
      }
      await ack();
      if (!target) {
        logger.warn({ viewId: view.id }, 'a reject modal came back without the promotion it was opened for; ignored');
        return;
      }
      const reply = await handler.action({
        user: body.user.id,
        channel: target.channel,
        actionId: 'reject',
        value: target.promotionId,
        reason,
      });
      const { text, blocks } = renderBlockKit(reply.message, { fullTextAttached: false });
      await client.chat.postEphemeral({ channel: target.channel, user: body.user.id, text, blocks });
    });

    app.error(async (error) => {
      logger.error({ err: error }, 'handling a Slack request failed');
    });
  }
}

/** Identifies one delivery: Slack keeps the trigger id (or the view's id) on a retry. */
function deliveryKey(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { trigger_id?: unknown; view?: { id?: unknown; hash?: unknown }; type?: unknown };
  if (typeof record.trigger_id === 'string') return `trigger:${record.trigger_id}`;
  if (record.type === 'view_submission' && typeof record.view?.id === 'string')
    return `view:${record.view.id}:${String(record.view.hash)}`;
  return undefined;
}
