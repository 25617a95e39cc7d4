/**
 * A STAND-IN for Slack's Web API, not Slack: a node:http server on 127.0.0.1
 * that the real @slack/web-api WebClient (option `slackApiUrl`) and Bolt's App
 * (`clientOptions: { slackApiUrl }`) talk to in tests. It follows Slack's
 * documented protocol where the bot can tell the difference: form or JSON
 * bodies, Bearer or `token` auth, HTTP 200 `{ ok: false, error }` refusals,
 * Block Kit limits, the per-channel posting rate limit answered with 429 +
 * Retry-After, response_url use limits, trigger id expiry, the three-step
 * file upload; Socket Mode (apps.connections.open with an app-level token,
 * then envelopes and acks over a WebSocket). Tests read what the bot did
 * (messages, threads, edits, ephemerals, views, files, acks) and can make
 * Slack misbehave (failNext, setRateLimit, a requested disconnect). See
 * README.md for what it does not do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackApiError } from './api-error.ts';
import * as chat from './chat-methods.ts';
import { answerOfBody, showCommandAnswer } from './command-answers.ts';
import type { MethodResult } from './chat-methods.ts';
import { authTest, usergroupsList, usergroupsUsersList, usersInfo } from './directory-methods.ts';
import { completeUploadExternal, getUploadUrlExternal, receiveUpload, UPLOAD_PATH } from './file-methods.ts';
import { MessageStore, type EphemeralMessage, type PostedMessage } from './messages.ts';
import { ChannelRateLimiter, DEFAULT_RATE_LIMIT, type ChannelRateLimit } from './rate-limit.ts';
import { jsonArg, parseApiArgs, readBody, stringArg, type Args } from './request-body.ts';
import { answerResponseUrl, type RecordedResponse } from './response-url-posts.ts';
import { ResponseUrls, type ResponseUrlTarget } from './response-urls.ts';
import {
  sendSlashCommand,
  slashCommandFields,
  type ReceiverAnswer,
  type SignedRequestOptions,
  type SlashCommandFields,
} from './signed-requests.ts';
import { appsConnectionsOpen, SocketModeLinks, type SocketModeStandIn } from './socket-mode.ts';
import type {
  InjectedFailure,
  RateLimitedCall,
  RecordedCall,
  RecordedFile,
  RecordedView,
  StandInState,
} from './state.ts';
import { newTriggerId } from './trigger-ids.ts';
import * as views from './view-methods.ts';
import { Workspace, type WorkspaceOptions } from './workspace.ts';

export type { ChannelRateLimit, RateLimit } from './rate-limit.ts';
export type { EphemeralMessage, MessageContent, PostedMessage, SharedFile } from './messages.ts';
export type { RecordedResponse } from './response-url-posts.ts';
export type { ResponseUrlTarget } from './response-urls.ts';
export type {
  DeliveredEnvelope,
  DisconnectReason,
  EnvelopeType,
  SocketAck,
  SocketConnection,
  SocketModeStandIn,
} from './socket-mode.ts';
export type { InjectedFailure, RateLimitedCall, RecordedCall, RecordedFile, RecordedView } from './state.ts';
export type { ChannelSpec, UserSpec, UsergroupSpec, WorkspaceOptions } from './workspace.ts';

export interface SlackStandInOptions extends WorkspaceOptions {
  /** chat.postMessage limit per channel and chat.update per workspace; default 1 a second with a burst of 5, and Tier 3; `null` for none. */
  rateLimit?: ChannelRateLimit | null;
  /** The stand-in's clock in ms (response_url and trigger id expiry, rate limit, ts); default Date.now. */
  clock?: () => number;
}

export interface SlackStandIn {
  /** `http://127.0.0.1:PORT/api/`, what WebClient's `slackApiUrl` wants. */
  readonly apiUrl: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  readonly appId: string;
  /** Every Web API call, answered or refused, in order. */
  readonly calls: readonly RecordedCall[];
  readonly views: readonly RecordedView[];
  readonly files: readonly RecordedFile[];
  /** Every POST to a response_url. */
  readonly responses: readonly RecordedResponse[];
  /** Every 429 the per-channel limit gave. */
  readonly rateLimited: readonly RateLimitedCall[];
  readonly rateLimitedCount: number;
  /** Socket Mode: the app's connections, the envelopes sent to it and its acks. */
  readonly socketMode: SocketModeStandIn;
  callsTo(method: string): RecordedCall[];
  /** Root messages of a channel (id, name, or a user id for the bot's DM), each with its replies. */
  channelMessages(channel: string): PostedMessage[];
  /** Replies in a thread, also when its root is unknown. */
  thread(channel: string, threadTs: string): PostedMessage[];
  message(channel: string, ts: string): PostedMessage | undefined;
  ephemerals(user?: string): EphemeralMessage[];
  /**
   * Sends a signed `/promote` (or other) slash command to the app's request
   * URL as Slack does, and shows the answer the app put in its acknowledgement.
   */
  slashCommand(
    receiverUrl: string,
    signingSecret: string,
    fields?: Partial<SlashCommandFields>,
    options?: SignedRequestOptions,
  ): Promise<ReceiverAnswer>;
  /** A fresh response_url to put in a slash-command or interaction payload. */
  responseUrl(target: ResponseUrlTarget): string;
  /** Makes a response_url spent, as 30 minutes would. */
  expireResponseUrl(url: string): void;
  /** A trigger id that views.open accepts once, within 3 seconds. */
  triggerId(user?: string): string;
  usergroupId(handle: string): string | undefined;
  setUsergroup(id: string, users: string[], handle?: string): void;
  setRateLimit(limit: ChannelRateLimit | null): void;
  /** The next `times` calls to `method` get `failure` instead of an answer. */
  failNext(method: string, failure: InjectedFailure, times?: number): void;
  /**
   * Every post, edit and file share to `channel` answers `{ ok: false, error }`
   * until set to undefined: `not_in_channel` (the bot was removed),
   * `is_archived`, `channel_not_found`.
   */
  setChannelError(channel: string, error: string | undefined): void;
  /** Polls until `check` returns something truthy (a throw counts as not yet), and resolves with it. */
  waitFor<T>(check: () => T, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): Promise<void>;
}

type Handler = (state: StandInState, args: Args) => MethodResult;

const METHODS: Record<string, Handler> = {
  'auth.test': authTest,
  'apps.connections.open': appsConnectionsOpen,
  'chat.postMessage': chat.postMessage,
  'chat.update': chat.update,
  'chat.delete': chat.deleteMessage,
  'chat.postEphemeral': chat.postEphemeral,
  'chat.getPermalink': chat.getPermalink,
  'views.open': views.open,
  'views.push': views.push,
  'views.update': views.update,
  'users.info': usersInfo,
  'usergroups.list': usergroupsList,
  'usergroups.users.list': usergroupsUsersList,
  'files.getUploadURLExternal': getUploadUrlExternal,
  'files.completeUploadExternal': completeUploadExternal,
};

/** Methods that write to a channel: a channel error set with setChannelError answers them. */
const CHANNEL_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.delete', 'files.completeUploadExternal']);

const JSON_ARGS = ['blocks', 'attachments', 'view', 'files', 'metadata'];
/** Methods that take an app-level token (xapp-…), and only from the Authorization header. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);
const SCOPES = 'chat:write,commands,files:write,usergroups:read,users:read';

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

/** Arguments as a test wants to read them: JSON-encoded ones parsed, the token left out. */
function readableArgs(args: Args): Args {
  const { token: _token, ...rest } = args;
  for (const name of JSON_ARGS) {
    const parsed = jsonArg(rest, name);
    if (parsed.present && 'value' in parsed) rest[name] = parsed.value;
  }
  return rest;
}

function bearer(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const clock = options.clock ?? Date.now;
  const workspace = new Workspace(options);
  const state: StandInState = {
    workspace,
    messages: new MessageStore(clock),
    responseUrls: new ResponseUrls(clock),
    rateLimiter: new ChannelRateLimiter(
      options.rateLimit === undefined ? DEFAULT_RATE_LIMIT.perChannel : (options.rateLimit?.perChannel ?? null),
      clock,
    ),
    updateLimiter: new ChannelRateLimiter(
      options.rateLimit === undefined
        ? (DEFAULT_RATE_LIMIT.updatesPerWorkspace ?? null)
        : (options.rateLimit?.updatesPerWorkspace ?? null),
      clock,
    ),
    clock,
    calls: [],
    views: [],
    files: new Map(),
    triggers: new Map(),
    rateLimited: [],
    socketMode: new SocketModeLinks(clock, workspace.appId, (origin, answer) =>
      showCommandAnswer(state, origin, answer),
    ),
    baseUrl: '',
  };
  const responses: RecordedResponse[] = [];
  const failures: Array<{ method: string; failure: InjectedFailure }> = [];
  const channelErrors = new Map<string, string>();

  function takeFailure(method: string): InjectedFailure | undefined {
    const index = failures.findIndex((entry) => entry.method === method);
    return index < 0 ? undefined : failures.splice(index, 1)[0]?.failure;
  }

  function callMethod(
    method: string,
    request: IncomingMessage,
    args: Args,
  ): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
    const handler = METHODS[method];
    if (!handler) throw new SlackApiError('unknown_method', { extra: { req_method: method } });
    const appLevel = APP_TOKEN_METHODS.has(method);
    const token =
      bearer(request) ?? (!appLevel && typeof args.token === 'string' && args.token !== '' ? args.token : undefined);
    if (token === undefined) throw new SlackApiError('not_authed');
    const accepted = appLevel ? workspace.appTokens : workspace.tokens;
    const other = appLevel ? workspace.tokens : workspace.appTokens;
    if (!accepted.has(token)) throw new SlackApiError(other.has(token) ? 'not_allowed_token_type' : 'invalid_auth');
    const channel = CHANNEL_METHODS.has(method)
      ? (stringArg(args, 'channel') ?? stringArg(args, 'channel_id'))
      : undefined;
    const channelError = channel === undefined ? undefined : channelErrors.get(workspace.channelId(channel));
    if (channelError) throw new SlackApiError(channelError);
    const failure = takeFailure(method);
    if (failure) {
      const status = failure.status ?? 200;
      const headers: Record<string, string> = status === 429 ? { 'Retry-After': String(failure.retryAfter ?? 1) } : {};
      throw new SlackApiError(failure.error ?? (status === 429 ? 'ratelimited' : 'fatal_error'), { status, headers });
    }
    return { status: 200, body: { ok: true, ...handler(state, args) }, headers: { 'X-OAuth-Scopes': SCOPES } };
  }

  async function serveApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const parsed = parseApiArgs(request.headers['content-type'], await readBody(request), url.searchParams);
    const args = 'args' in parsed ? parsed.args : {};
    let answer: { status: number; body: Record<string, unknown>; headers: Record<string, string> };
    try {
      if ('error' in parsed) throw new SlackApiError(parsed.error);
      answer = callMethod(method, request, args);
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      answer = { status: error.status, body: error.body(), headers: error.headers };
    }
    state.calls.push({ method, args: readableArgs(args), at: clock(), status: answer.status, answer: answer.body });
    sendJson(response, answer.status, answer.body, answer.headers);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (url.pathname.startsWith('/api/')) {
      await serveApi(request, response, url);
      return;
    }
    const raw = await readBody(request);
    const responseId = /^\/response\/([0-9a-f]+)$/.exec(url.pathname)?.[1];
    if (request.method === 'POST' && responseId !== undefined) {
      const answer = answerResponseUrl(state, responseId, raw);
      let body: unknown = raw.toString('utf8');
      try {
        body = JSON.parse(body as string);
      } catch {
        // Kept as text: the bot sent something that is not JSON.
      }
      responses.push({
        url: `${state.baseUrl}${url.pathname}`,
        body,
        status: answer.status,
        answer: answer.body,
        at: clock(),
      });
      sendJson(response, answer.status, answer.body);
      return;
    }
    if (request.method === 'POST' && UPLOAD_PATH.test(url.pathname)) {
      const answer = receiveUpload(state, url.pathname, request.headers['content-type'], raw);
      response.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(answer.text);
      return;
    }
    sendJson(response, 404, { ok: false, error: 'not_found' });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // A bug in the stand-in: answer 500 so the test fails loudly instead of hanging.
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: 'fatal_error', detail: String(error) });
      else response.end();
    });
  });
  server.on('upgrade', (request, socket, head) => state.socketMode.handleUpgrade(request, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { messages } = state;

  return {
    apiUrl: `${state.baseUrl}/api/`,
    url: state.baseUrl,
    botUserId: workspace.botUserId,
    botId: workspace.botId,
    teamId: workspace.teamId,
    appId: workspace.appId,
    calls: state.calls,
    views: state.views,
    get files() {
      return [...state.files.values()];
    },
    responses,
    rateLimited: state.rateLimited,
    get rateLimitedCount() {
      return state.rateLimited.length;
    },
    socketMode: state.socketMode,
    callsTo: (method) => state.calls.filter((call) => call.method === method),
    channelMessages: (channel) => messages.channelMessages(workspace.channelId(channel)),
    thread: (channel, threadTs) => messages.thread(workspace.channelId(channel), threadTs),
    message: (channel, ts) => messages.find(workspace.channelId(channel), ts),
    ephemerals: (user) =>
      messages.ephemerals.filter((message) => !message.deleted && (user === undefined || message.user === user)),
    slashCommand: async (receiverUrl, signingSecret, fields = {}, options = {}) => {
      const command = slashCommandFields(fields);
      const answer = await sendSlashCommand(receiverUrl, signingSecret, command, options);
      if (answer.status === 200)
        showCommandAnswer(state, { user: command.user_id, channel: command.channel_id }, answerOfBody(answer.body));
      return answer;
    },
    responseUrl: (target) =>
      `${state.baseUrl}/response/${state.responseUrls.issue({ ...target, channel: workspace.channelId(target.channel) }).id}`,
    expireResponseUrl: (responseUrl) => {
      const record = state.responseUrls.get(responseUrl.split('/').pop() ?? '');
      if (record) record.expired = true;
    },
    triggerId: (user) => {
      const id = newTriggerId();
      state.triggers.set(id, {
        issuedAt: clock(),
        issuedHere: true,
        used: false,
        ...(user === undefined ? {} : { user }),
      });
      return id;
    },
    usergroupId: (handle) => workspace.usergroupId(handle),
    setUsergroup: (id, users, handle) => workspace.setUsergroup(id, users, handle),
    setRateLimit: (limit) => {
      state.rateLimiter.set(limit?.perChannel ?? null);
      state.updateLimiter.set(limit?.updatesPerWorkspace ?? null);
    },
    setChannelError: (channel, error) => {
      const id = workspace.channelId(channel);
      if (error) channelErrors.set(id, error);
      else channelErrors.delete(id);
    },
    failNext: (method, failure, times = 1) => {
      for (let count = 0; count < times; count += 1) failures.push({ method, failure });
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
      state.socketMode.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
