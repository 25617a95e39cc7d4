/**
 * Where Discord's interactions come in. Over the gateway (the default) one
 * bot connection receives them, like Slack's Socket Mode; with the
 * application's public key set they come over HTTP to /discord/interactions,
 * signed, so any replica behind a load balancer answers. Either way they are
 * answered by the same DiscordInteractions.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  Routes,
  type APIInteraction,
  type GatewayDispatchPayload,
  type REST,
} from 'discord.js';
import type { Logger } from '../../core/capabilities.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';
import { webhookBody } from '../../http/raw-body.ts';
import { requestTimestampProblem } from '../../http/request-window.ts';
import type { HttpServer } from '../../http/server.ts';
import type { ChatOut, InteractionHandler, Receiver } from '../contract.ts';
import { DiscordInteractions, type InteractionAnswer } from './discord-interactions.ts';
import { DISCORD_INTERACTIONS_PATH, type DiscordSettings } from './settings.ts';
import { discordPublicKey, isSignedByDiscord } from './signature.ts';

export interface DiscordReceiverOptions {
  settings: DiscordSettings;
  server: Pick<HttpServer, 'mount'>;
  logger: Logger;
  rest: REST;
  /** Posts an answer meant for the channel that came too late to be the interaction's response. */
  chat: ChatOut;
  complete(typed: string): Promise<string[]>;
  /** Only one process may hold the gateway: the holder of this lease (shared by every bot on Redis). */
  lease: GatewayLease;
  /** How long a lease lasts unrenewed: a standby takes the gateway over within this time of its holder dying. */
  leaseMs?: number;
}

export interface GatewayLease {
  hold(holder: string, ttlMs: number): Promise<boolean>;
  release(holder: string): Promise<void>;
}

/** Long enough that a busy event loop keeps it, short enough that a standby takes over within seconds. */
const LEASE_MS = 10_000;

export class DiscordReceiver implements Receiver {
  private interactions: DiscordInteractions | undefined;
  private client: Client | undefined;
  private renewal: NodeJS.Timeout | undefined;
  /** The turn under way: one at a time, so that a slow connect is never started twice. */
  private turn: Promise<void> | undefined;
  private stopping = false;
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;

  constructor(private readonly options: DiscordReceiverOptions) {
    const { connection } = options.settings;
    if (connection.mode !== 'http') return;
    const key = discordPublicKey(connection.publicKey);
    options.server.mount(DISCORD_INTERACTIONS_PATH, (request, response) => {
      this.fromHttp(key, request, response).catch((error: unknown) => {
        options.logger.error({ err: errorMessage(error) }, 'answering a Discord interaction over HTTP failed');
        if (!response.headersSent)
          response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"see the Baton log"}');
      });
    });
  }

  async start(handler: InteractionHandler): Promise<void> {
    const { settings, logger, rest, chat, complete } = this.options;
    this.interactions = new DiscordInteractions({
      handler,
      ...(settings.guildId ? { guildId: settings.guildId } : {}),
      logger,
      complete,
      // Interaction tokens authorise these; the bot token is not sent.
      editOriginal: async (applicationId, token, data) => {
        await rest.patch(Routes.webhookMessage(applicationId, token), { body: data, auth: false });
      },
      postInChannel: async (channel, reply) => {
        await chat.post(channel, reply.message);
      },
    });
    if (settings.connection.mode !== 'gateway') return;
    this.stopping = false;
    // The first turn runs now, so that a token Discord refuses stops the start; later turns keep or take the lease.
    await this.holdGateway(settings, true);
    const leaseMs = this.options.leaseMs ?? LEASE_MS;
    this.renewal = setInterval(() => {
      if (this.turn) return;
      this.turn = this.holdGateway(settings, false)
        .catch((error: unknown) =>
          this.options.logger.error({ err: errorMessage(error) }, 'could not hold the Discord gateway'),
        )
        .finally(() => {
          this.turn = undefined;
        });
    }, leaseMs / 3);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.renewal);
    await this.turn;
    this.interactions = undefined;
    await this.disconnect();
  }

  /** Connects while this bot holds the lease, and lets go of the gateway as soon as it does not, or cannot tell. */
  private async holdGateway(settings: DiscordSettings, starting: boolean): Promise<void> {
    const { lease, logger } = this.options;
    // A bot that cannot reach the store cannot know it still holds the lease: another may take it over, so it lets go.
    const held = await lease.hold(this.holder, this.options.leaseMs ?? LEASE_MS).catch((error: unknown) => {
      logger.error(
        { err: errorMessage(error) },
        'could not renew the Discord gateway lease; letting go of the gateway',
      );
      return false;
    });
    if (this.stopping) return;
    if (held && !this.client) {
      try {
        const client = await this.connect(settings);
        if (this.stopping) {
          await client.destroy();
          await lease.release(this.holder);
          return;
        }
        this.client = client;
        logger.info({ holder: this.holder }, 'holding the Discord gateway');
      } catch (error) {
        await lease.release(this.holder);
        if (starting) throw error;
        logger.error({ err: errorMessage(error) }, 'could not take over the Discord gateway; trying again');
      }
    } else if (!held && this.client) {
      logger.warn(
        { holder: this.holder },
        'this bot no longer holds the Discord gateway lease; letting go of the gateway',
      );
      await this.client.destroy();
      this.client = undefined;
    }
  }

  private async disconnect(): Promise<void> {
    if (!this.client) return;
    await this.client.destroy();
    this.client = undefined;
    await this.options.lease.release(this.holder);
  }

  private async connect(settings: DiscordSettings): Promise<Client> {
    // Interactions reach a bot whatever its intents; Guilds is the least the client needs to become ready.
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: settings.apiUrl } });
    client.on(Events.Raw, (packet: GatewayDispatchPayload) => {
      if (packet.t !== 'INTERACTION_CREATE') return;
      this.fromGateway(packet.d).catch((error: unknown) =>
        this.options.logger.error({ err: errorMessage(error) }, 'answering a Discord interaction failed'),
      );
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    try {
      await client.login(settings.botToken);
    } catch (error) {
      await client.destroy();
      const refused = error instanceof DiscordAPIError || (error as { code?: string }).code === 'TokenInvalid';
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        refused
          ? `Discord did not accept DISCORD_TOKEN (${errorMessage(error)}). Copy the token from the application's "Bot" page and check that the bot is in the server.`
          : `Could not connect to Discord at ${settings.apiUrl} (${errorMessage(error)}). Check DISCORD_API_URL and that this machine can reach it.`,
        { cause: error },
      );
    }
    await ready;
    return client;
  }

  private async fromGateway(interaction: APIInteraction): Promise<void> {
    const answer = await this.interactions?.answer(interaction);
    if (!answer) return;
    await this.options.rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
      body: answer.response,
      auth: false,
    });
    await answer.later;
  }

  private async fromHttp(
    key: ReturnType<typeof discordPublicKey>,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const { logger } = this.options;
    const refuse = (why: string): void => {
      logger.warn(
        { path: DISCORD_INTERACTIONS_PATH, remoteAddress: request.socket.remoteAddress },
        `refused a Discord interaction: ${why}`,
      );
      response.writeHead(401, { 'content-type': 'text/plain', connection: 'close' }).end(`Refused: ${why}.`);
    };
    const stale = requestTimestampProblem(
      request.headers['x-signature-timestamp'],
      Date.now(),
      'X-Signature-Timestamp',
    );
    if (stale) return refuse(stale);
    const body = await webhookBody(request, response);
    if (!body) return;
    const timestamp = String(request.headers['x-signature-timestamp']);
    const signature = request.headers['x-signature-ed25519'];
    if (!isSignedByDiscord(key, Array.isArray(signature) ? signature[0] : signature, timestamp, body))
      return refuse("the signature is not the application's (check DISCORD_PUBLIC_KEY)");
    if (!this.interactions) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('Baton is starting; try again in a moment.');
      return;
    }
    let answer: InteractionAnswer | undefined;
    try {
      answer = await this.interactions.answer(JSON.parse(body.toString('utf8')) as APIInteraction);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      response.writeHead(400, { 'content-type': 'text/plain' }).end('The body is not JSON.');
      return;
    }
    if (!answer) {
      response.writeHead(204).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.response));
    await answer.later;
  }
}
