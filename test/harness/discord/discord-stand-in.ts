/**
 * A STAND-IN for Discord's API, not Discord: a node:http server on 127.0.0.1
 * that the real discord.js Client talks to in tests — REST through
 * @discordjs/rest (`rest: { api: standIn.url }`) and the gateway through
 * @discordjs/ws (the URL GET /gateway/bot returns). It follows Discord's
 * documented protocol where a bot can tell the difference: API v10 routes,
 * `Authorization: Bot` auth, JSON errors with their codes (50035 with the
 * `errors` tree), message/embed/component/modal limits, per-route and global
 * rate limits with their headers and 429s, the interaction callback's
 * 3-second deadline and single use, thread-per-message, and a gateway with
 * HELLO/IDENTIFY/READY, heartbeats, sequence numbers, RESUME, RECONNECT and
 * INVALID_SESSION. Tests act as people (slash commands, buttons, modals,
 * autocomplete) over the gateway or signed HTTP, and read what the bot did.
 * See README.md for what it does not do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscordApiError, methodNotAllowed, notFound, unauthorized } from './api-error.ts';
import { APP_ROUTES } from './app-routes.ts';
import { CHANNEL_ROUTES } from './channel-routes.ts';
import { CommandRegistry, type RegisteredCommand } from './commands.ts';
import { GatewayServer, type GatewayConnection, type GatewayOptions, type SentDispatch } from './gateway.ts';
import { GuildDirectory, type GuildOptions, type MemberSpec, type RoleSpec, type StoredChannel } from './guilds.ts';
import { INTERACTION_ROUTES } from './interaction-callbacks.ts';
import type { OptionValues } from './interaction-payloads.ts';
import { MessageStore, type StoredMessage } from './messages.ts';
import { RateLimits, type RateLimitedRequest, type RateLimitOptions } from './rate-limit.ts';
import { parseBody, readBody, type RequestBody } from './request-body.ts';
import { countsGlobally, majorResource, matchRoute, routeKey, type Route } from './routes.ts';
import { newSigningKeys, type DeliveryOptions } from './signed-delivery.ts';
import { Snowflakes } from './snowflakes.ts';
import type { InteractionRecord, RecordedRequest, StandInState } from './state.ts';
import { UserActions, type InteractionOutcome, type Where } from './user-actions.ts';

export type { RegisteredCommand } from './commands.ts';
export type { GatewayConnection, GatewayOptions, SentDispatch } from './gateway.ts';
export { DEFAULT_APPLICATION_ID, DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, DEFAULT_MEMBERS } from './guilds.ts';
export type { ChannelSpec, GuildOptions, GuildSpec, MemberSpec, RoleSpec, StoredChannel } from './guilds.ts';
export type { OptionValues } from './interaction-payloads.ts';
export type { MessageVersion, StoredAttachment, StoredMessage } from './messages.ts';
export type { RateLimitedRequest, RateLimitOptions, RouteLimit } from './rate-limit.ts';
export type { DeliveryOptions } from './signed-delivery.ts';
export type { InteractionRecord, RecordedCallback, RecordedRequest, Refusal } from './state.ts';
export { InteractionOutcome, type Where } from './user-actions.ts';

export interface DiscordStandInOptions extends GuildOptions, GatewayOptions {
  /** Route and global limits; default 5 messages per 5 s per channel, 50 requests a second globally. `null` for none. */
  rateLimits?: RateLimitOptions | null;
  /** Deliver interactions over HTTP to this URL (signed) instead of the gateway. Can be set later. */
  interactionsEndpointUrl?: string;
  /** How long an interaction waits for its callback; Discord's 3 s by default. */
  interactionDeadlineMs?: number;
  /** The stand-in's clock in ms (rate limits, deadlines, timestamps); default Date.now. */
  clock?: () => number;
}

export interface InjectedFailure {
  status: number;
  /** Discord's JSON error code; default 0. */
  code?: number;
  message?: string;
  /** With status 429: Retry-After seconds. */
  retryAfter?: number;
}

export interface DiscordStandIn {
  /** `http://127.0.0.1:PORT/api`: the REST base, what discord.js takes as `rest: { api }` (it adds `/v10`). */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:PORT/gateway`, also what GET /gateway/bot answers. */
  readonly gatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUserId: string;
  /** The first guild and its first channel. */
  readonly guildId: string;
  readonly channelId: string;
  /** Hex Ed25519 public key that HTTP interactions are signed with. */
  readonly publicKey: string;

  // Gateway
  readonly connectionCount: number;
  readonly identifyCount: number;
  readonly resumeCount: number;
  readonly gatewayConnections: readonly GatewayConnection[];
  /** Closes the bot's gateway socket abruptly; the session stays resumable. */
  dropConnection(): void;
  /** Sends RECONNECT (op 7). */
  requestReconnect(): void;
  /** Sends INVALID_SESSION (op 9, d: false) and forgets the session. */
  invalidateSession(): void;
  /** Sends a dispatch on the current session (replayed on resume if the bot is away). */
  dispatch(event: string, data: unknown): void;
  /** Every dispatch of the current session, in order. */
  dispatches(): SentDispatch[];

  // People
  slashCommand(user: string, name: string, options?: OptionValues, where?: Where): Promise<InteractionOutcome>;
  autocomplete(
    user: string,
    name: string,
    options: OptionValues,
    focused: string,
    where?: Where,
  ): Promise<InteractionOutcome>;
  clickButton(user: string, messageId: string, customId: string): Promise<InteractionOutcome>;
  submitModal(user: string, customId: string, fields: Record<string, string>): Promise<InteractionOutcome>;
  /** HTTP delivery only: Discord's PING. */
  ping(options?: DeliveryOptions): Promise<InteractionOutcome>;
  /** HTTP delivery only: a raw payload, signed (or not, with `badSignature`). */
  sendSigned(payload: Record<string, unknown>, options?: DeliveryOptions): Promise<{ status: number; body: unknown }>;
  setInteractionsEndpoint(url: string | undefined): void;
  setRole(guildId: string, role: RoleSpec): void;
  setMember(guildId: string, member: MemberSpec): void;

  // What the bot did
  /** Messages of a channel or thread, oldest first, edits applied (earlier versions in `history`). */
  messages(channelId: string): StoredMessage[];
  message(id: string): StoredMessage | undefined;
  /** Ephemeral responses and follow-ups, optionally only those a user saw. */
  ephemerals(user?: string): StoredMessage[];
  /** Threads the bot created, in order. */
  threads(): StoredChannel[];
  commands(guildId?: string): RegisteredCommand[];
  readonly interactions: readonly InteractionRecord[];
  readonly requests: readonly RecordedRequest[];
  /** Requests per route key (`POST /channels/{channel.id}/messages`), answered or refused. */
  requestCounts(): Record<string, number>;
  readonly rateLimited: readonly RateLimitedRequest[];
  readonly rateLimitedCount: number;
  setRateLimits(options: RateLimitOptions | null): void;
  /** The next `times` requests to `route` (a route key) get `failure`. */
  failNext(route: string, failure: InjectedFailure, times?: number): void;
  /**
   * Every request on `channelId` (its threads too) gets `failure` until it is
   * set to undefined: the bot removed from a channel (403, 50001 Missing
   * Access), its permissions taken (50013), the channel deleted (404, 10003).
   */
  setChannelFailure(channelId: string, failure: InjectedFailure | undefined): void;
  /** Polls until `check` returns something truthy (a throw counts as not yet). */
  waitFor<T>(check: () => T, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): Promise<void>;
}

const ROUTES: readonly Route[] = [...APP_ROUTES, ...CHANNEL_ROUTES, ...INTERACTION_ROUTES];
const API_PREFIX = '/api/v10';

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

export async function startDiscordStandIn(options: DiscordStandInOptions = {}): Promise<DiscordStandIn> {
  const clock = options.clock ?? Date.now;
  const ids = new Snowflakes(clock);
  const directory = new GuildDirectory(options, clock);
  const keys = newSigningKeys();
  let baseUrl = '';
  const state: StandInState = {
    directory,
    messages: new MessageStore(ids, clock, () => baseUrl),
    commands: new CommandRegistry(directory.applicationId, ids),
    ids,
    clock,
    rateLimits: new RateLimits(options.rateLimits === undefined ? {} : options.rateLimits, clock),
    gateway: new GatewayServer(directory, options, clock, () => baseUrl.replace(/^http/, 'ws')),
    interactions: new Map(),
    threads: [],
    requests: [],
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3_000,
    publicKey: keys.publicKeyHex,
  };
  const actionOptions: { keys: typeof keys; endpointUrl?: string } = {
    keys,
    ...(options.interactionsEndpointUrl ? { endpointUrl: options.interactionsEndpointUrl } : {}),
  };
  const people = new UserActions(state, actionOptions);
  const failures: Array<{ route: string; failure: InjectedFailure }> = [];
  const channelFailures = new Map<string, InjectedFailure>();

  /** The failure set on the channel a request is about, or on the channel its thread hangs off. */
  function channelFailure(params: Record<string, string>): InjectedFailure | undefined {
    const id = params['channel.id'];
    if (id === undefined) return undefined;
    const parent = directory.channels.get(id)?.parentId;
    return channelFailures.get(id) ?? (parent === undefined ? undefined : channelFailures.get(parent));
  }

  function injected(failure: InjectedFailure): DiscordApiError {
    const extra: Record<string, string> =
      failure.status === 429 ? { 'Retry-After': String(failure.retryAfter ?? 1), 'X-RateLimit-Scope': 'shared' } : {};
    return new DiscordApiError(
      failure.status,
      failure.code ?? 0,
      failure.message ?? `${failure.status}: Injected failure`,
      undefined,
      extra,
    );
  }

  function takeFailure(route: string): InjectedFailure | undefined {
    const index = failures.findIndex((entry) => entry.route === route);
    return index < 0 ? undefined : failures.splice(index, 1)[0]?.failure;
  }

  async function answerApi(
    request: IncomingMessage,
    path: string,
    query: URLSearchParams,
    raw: Buffer,
  ): Promise<{ status: number; body: unknown; headers: Record<string, string>; route: string; parsed?: RequestBody }> {
    const method = request.method ?? 'GET';
    const matched = matchRoute(ROUTES, method, path);
    if (!('route' in matched)) throw matched.methodMismatch ? methodNotAllowed() : notFound();
    const { route, params } = matched;
    const key = routeKey(route);
    if (route.auth === 'bot' && request.headers.authorization !== `Bot ${directory.token}`)
      throw Object.assign(unauthorized(), { route: key });
    let headers: Record<string, string> = {};
    try {
      headers = state.rateLimits.take(key, majorResource(params), countsGlobally(route));
      const failure = takeFailure(key) ?? channelFailure(params);
      if (failure) throw injected(failure);
      const parsed = await parseBody(request.headers['content-type'], raw);
      const answer = await route.handle({ state, params, body: parsed, query });
      return { status: answer.status, body: answer.body, headers, route: key, parsed };
    } catch (error) {
      if (error instanceof DiscordApiError) throw Object.assign(error, { route: key, rateLimitHeaders: headers });
      throw error;
    }
  }

  async function serveApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    const raw = await readBody(request);
    let status: number;
    let body: unknown;
    let headers: Record<string, string>;
    let route = `${request.method ?? 'GET'} ${path}`;
    let parsed: RequestBody | undefined;
    let code: number | undefined;
    try {
      const answer = await answerApi(request, path, url.searchParams, raw);
      ({ status, body, headers, route, parsed } = answer);
    } catch (error) {
      if (!(error instanceof DiscordApiError)) throw error;
      const extra = error as DiscordApiError & { route?: string; rateLimitHeaders?: Record<string, string> };
      status = error.status;
      body = error.body();
      code = error.code;
      headers = { ...(extra.rateLimitHeaders ?? {}), ...error.headers };
      route = extra.route ?? route;
    }
    if (parsed === undefined) {
      try {
        parsed = await parseBody(request.headers['content-type'], raw);
      } catch {
        parsed = { json: raw.toString('utf8'), files: [] };
      }
    }
    state.requests.push({
      method: request.method ?? 'GET',
      route,
      path,
      body: parsed.json,
      files: parsed.files.length,
      status,
      ...(code === undefined ? {} : { code }),
      at: clock(),
    });
    send(response, status, body, headers);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      await serveApi(request, response, url);
      return;
    }
    const attachment = /^\/attachments\/(\d+)\//.exec(url.pathname)?.[1];
    const file = attachment === undefined ? undefined : findAttachment(attachment);
    if (request.method === 'GET' && file) {
      response.writeHead(200, { 'Content-Type': file.contentType ?? 'application/octet-stream' });
      response.end(file.bytes);
      return;
    }
    send(response, 404, notFound().body(), {});
  }

  function findAttachment(id: string) {
    for (const channelId of directory.channels.keys()) {
      for (const message of state.messages.inChannel(channelId)) {
        const found = message.attachments.find((attachment) => attachment.id === id);
        if (found) return found;
      }
    }
    return undefined;
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A bug in the stand-in: answer 500 so the test fails loudly instead of hanging.
      if (!response.headersSent)
        send(response, 500, { message: `500: Discord stand-in error: ${String(error)}`, code: 0 }, {});
      else response.end();
    });
  });
  server.on('upgrade', (request, socket, head) => {
    if (!state.gateway.handleUpgrade(request, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const firstGuild = directory.guildIds()[0] ?? '';
  const firstChannel = [...directory.channels.values()].find((channel) => channel.guildId === firstGuild)?.id ?? '';
  const { gateway, messages } = state;

  return {
    url: `${baseUrl}/api`,
    baseUrl,
    gatewayUrl: gateway.url,
    token: directory.token,
    applicationId: directory.applicationId,
    botUserId: directory.botUser.id,
    guildId: firstGuild,
    channelId: firstChannel,
    publicKey: keys.publicKeyHex,
    get connectionCount() {
      return gateway.connectionCount;
    },
    get identifyCount() {
      return gateway.identifyCount;
    },
    get resumeCount() {
      return gateway.resumeCount;
    },
    gatewayConnections: gateway.connections,
    dropConnection: () => gateway.dropConnection(),
    requestReconnect: () => gateway.requestReconnect(),
    invalidateSession: () => gateway.invalidateSession(),
    dispatch: (event, data) => {
      if (!gateway.dispatch(event, data)) throw new Error('The Discord stand-in has no gateway session');
    },
    dispatches: () => gateway.dispatches(),
    slashCommand: (user, name, values, where) => people.slashCommand(user, name, values, where),
    autocomplete: (user, name, values, focused, where) => people.autocomplete(user, name, values, focused, where),
    clickButton: (user, messageId, customId) => people.clickButton(user, messageId, customId),
    submitModal: (user, customId, fields) => people.submitModal(user, customId, fields),
    ping: (deliveryOptions) => people.ping(deliveryOptions),
    sendSigned: (payload, deliveryOptions) => people.sendSigned(payload, deliveryOptions),
    setInteractionsEndpoint: (endpointUrl) => {
      if (endpointUrl === undefined) delete actionOptions.endpointUrl;
      else actionOptions.endpointUrl = endpointUrl;
    },
    setRole: (guildId, role) => directory.setRole(guildId, role),
    setMember: (guildId, member) => directory.setMember(guildId, member),
    messages: (channelId) => messages.inChannel(channelId),
    message: (id) => messages.get(id),
    ephemerals: (user) =>
      messages
        .ephemerals()
        .filter(
          (message) =>
            user === undefined ||
            message.interaction?.userId === (directory.findMember(message.guildId, user)?.id ?? user),
        ),
    threads: () =>
      state.threads
        .map((id) => directory.channels.get(id))
        .filter((channel): channel is StoredChannel => channel !== undefined),
    commands: (guildId) => state.commands.list(guildId),
    get interactions() {
      return [...state.interactions.values()];
    },
    requests: state.requests,
    requestCounts: () => {
      const counts: Record<string, number> = {};
      for (const request of state.requests) counts[request.route] = (counts[request.route] ?? 0) + 1;
      return counts;
    },
    rateLimited: state.rateLimits.limited,
    get rateLimitedCount() {
      return state.rateLimits.limited.length;
    },
    setRateLimits: (limits) => state.rateLimits.set(limits),
    failNext: (route, failure, times = 1) => {
      for (let count = 0; count < times; count += 1) failures.push({ route, failure });
    },
    setChannelFailure: (channelId, failure) => {
      if (failure) channelFailures.set(channelId, failure);
      else channelFailures.delete(channelId);
    },
    waitFor: async <T>(check: () => T, timeoutMs = 2_000): Promise<NonNullable<T>> => {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          const value = check();
          if (value) return value as NonNullable<T>;
        } catch (error) {
          lastError = error;
        }
        if (Date.now() >= deadline) {
          throw new Error(
            `waitFor: condition not met within ${timeoutMs} ms${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
