/**
 * The local console: Baton's default chat platform. A web page that behaves
 * like a chat channel, and the JSON API behind it for scripts and tests.
 * Without a sign-in (on loopback) whoever reaches the page says who they are;
 * with one, every request acts as the person signed in.
 */
import type { MessageRef } from '../../core/model.ts';
import { systemClock } from '../../core/capabilities.ts';
import type { Clock } from '../../core/capabilities.ts';
import type { RefusalRecorder } from '../../http/access-checks.ts';
import type { ConsoleSignIn } from '../../http/login/console-access.ts';
import type { AccessCheck, Caller, HttpServer, JsonResult, RouteResult } from '../../http/server.ts';
import type { ChatOut, InteractionHandler, Receiver, Reply } from '../contract.ts';
import type { ChatMessage } from '../message.ts';
import { openEventStream } from './event-stream.ts';
import { ConsoleMessageStore } from './message-store.ts';
import type { ConsoleChangeEvent, ConsoleSnapshot } from './message-store.ts';
import { Journal } from '../../journal.ts';
import { validateActionRequest, validateCommandRequest } from './request-validation.ts';
import type { Validated } from './request-validation.ts';
import { consoleAssetPaths, consolePagePaths, readConsoleAsset } from './static-assets.ts';
import type { DashboardQueries } from '../../core/dashboard/dashboard-queries.ts';
import { registerDashboardRoutes } from './dashboard-routes.ts';

export interface ConsoleChatOptions {
  /** The console adds its page and API routes to this server. */
  server: Pick<HttpServer, 'route'>;
  /** Where commands go when they name no channel. */
  defaultChannel?: string;
  clock?: Clock;
  heartbeatMs?: number;
  /** A JSON-lines file that keeps the channels' history across restarts. */
  historyFile?: string;
  /** Who is asking, when people must sign in; without it the console is open (loopback only). */
  signIn?: ConsoleSignIn;
  /** The command the page offers in its empty input: one that works on the pipeline loaded. */
  exampleCommand?: string;
  /** What the dashboard page shows; without it the page has nothing to read. */
  dashboard?: DashboardQueries;
}

/** What `GET /api/console/session` tells the page about who it is. */
export interface ConsoleSessionResponse {
  /** The signed-in person; null on the open console, where the page picks a name. */
  user: string | null;
  via: string;
  /** Whether the page may offer to act as anyone (the open console only). */
  switcher: boolean;
  signOut?: string;
  /** A command that works here, for the page to offer. */
  example: string;
}

export interface ConsoleReplyResponse {
  reply: Reply;
  /** When the reply was made, by the same clock as the messages, so the page can place it among them. */
  at: string;
  /** Set when the reply went to the channel. */
  posted?: MessageRef;
}

export class ConsoleChat implements ChatOut, Receiver {
  private readonly store: ConsoleMessageStore;
  private readonly defaultChannel: string;
  private readonly heartbeatMs: number;
  private readonly clock: Clock;
  private readonly openStreams = new Set<() => void>();
  private readonly recordRefusal: RefusalRecorder | undefined;
  private readonly exampleCommand: string;
  private handler: InteractionHandler | undefined;

  constructor(options: ConsoleChatOptions) {
    this.defaultChannel = options.defaultChannel ?? '#baton';
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.clock = options.clock ?? systemClock;
    this.store = new ConsoleMessageStore(
      this.defaultChannel,
      this.clock,
      options.historyFile ? new Journal<ConsoleChangeEvent>(options.historyFile) : undefined,
    );
    this.recordRefusal = options.signIn?.recordRefusal;
    this.exampleCommand = options.exampleCommand ?? '/promote help';
    this.registerRoutes(options.server, options.signIn);
    // The same access as the console's own API: whoever may use the console may see what it has done.
    if (options.dashboard) registerDashboardRoutes(options.server, options.dashboard, options.signIn?.api);
  }

  async post(channel: string, message: ChatMessage): Promise<MessageRef> {
    const stored = await this.store.post(channel, message);
    return { channel: stored.channel, messageId: stored.id };
  }

  async update(ref: MessageRef, message: ChatMessage): Promise<void> {
    await this.store.update(ref, message);
  }

  async reply(thread: MessageRef, message: ChatMessage): Promise<MessageRef> {
    const stored = await this.store.reply(thread, message);
    return { channel: stored.channel, messageId: stored.id };
  }

  /** The console shows a message of any size. */
  fits(): boolean {
    return true;
  }

  async start(handler: InteractionHandler): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
    for (const end of this.openStreams) {
      end();
    }
  }

  /** Waits for the history file to hold every message posted so far. */
  close(): Promise<void> {
    return this.store.close();
  }

  /** What the page shows: every channel, and the root messages (of one channel if named) with threads. */
  snapshot(channel?: string): ConsoleSnapshot {
    return this.store.snapshot(channel);
  }

  private registerRoutes(server: Pick<HttpServer, 'route'>, signIn: ConsoleSignIn | undefined): void {
    const withAccess = (access: AccessCheck | undefined) => (access ? { access } : {});
    const api = withAccess(signIn?.api);
    for (const path of consoleAssetPaths) {
      // The scripts and styles hold nothing private; the sign-in pages use the styles.
      server.route(
        'GET',
        path,
        () => readConsoleAsset(path),
        consolePagePaths.includes(path) ? withAccess(signIn?.page) : {},
      );
    }
    const example = this.exampleCommand;
    server.route(
      'GET',
      '/api/console/session',
      ({ caller }) => ({ status: 200, json: { ...sessionResponse(caller, signIn), example } }),
      api,
    );
    server.route(
      'GET',
      '/api/console/messages',
      ({ query }) => ({
        status: 200,
        json: this.store.snapshot(query.get('channel') ?? undefined),
      }),
      api,
    );
    server.route(
      'GET',
      '/api/console/events',
      ({ caller }) => ({
        stream: (response) => {
          // Access is checked when the stream opens; a session's stream ends when the session does.
          const deadline = caller?.expiresAt === undefined ? undefined : { at: caller.expiresAt, clock: this.clock };
          const end = openEventStream(
            response,
            this.store,
            this.heartbeatMs,
            () => this.openStreams.delete(end),
            deadline,
          );
          this.openStreams.add(end);
        },
      }),
      api,
    );
    server.route(
      'POST',
      '/api/console/commands',
      ({ body, caller }) =>
        this.interact(
          validateCommandRequest(body, this.defaultChannel, caller?.name),
          (handler, command) => handler.command(command),
          caller,
        ),
      api,
    );
    server.route(
      'POST',
      '/api/console/actions',
      ({ body, caller }) =>
        this.interact(
          validateActionRequest(body, this.defaultChannel, caller?.name),
          (handler, action) => handler.action(action),
          caller,
        ),
      api,
    );
  }

  private async interact<T extends { channel: string }>(
    request: Validated<T>,
    call: (handler: InteractionHandler, request: T) => Promise<Reply>,
    caller: Caller | undefined,
  ): Promise<RouteResult> {
    if (!request.ok) {
      if (request.status === 403 && caller)
        await this.recordRefusal?.(caller.name, `Console request by ${caller.name} refused: ${request.error}`);
      return { status: request.status ?? 400, json: { error: request.error, field: request.field } };
    }
    if (!this.handler) {
      return notStarted;
    }
    const reply = await call(this.handler, request.value);
    const response: ConsoleReplyResponse = { reply, at: this.clock.now().toISOString() };
    // A private reply goes back to the person who asked and nowhere else.
    if (reply.visibility === 'channel') {
      response.posted = await this.post(request.value.channel, reply.message);
    }
    return { status: 200, json: response };
  }
}

function sessionResponse(
  caller: Caller | undefined,
  signIn: ConsoleSignIn | undefined,
): Omit<ConsoleSessionResponse, 'example'> {
  if (!signIn || !caller) return { user: null, via: 'open', switcher: true };
  const signOut = signIn.signOutPath(caller.via);
  return { user: caller.name, via: caller.via, switcher: false, ...(signOut ? { signOut } : {}) };
}

const notStarted: JsonResult = {
  status: 503,
  json: { error: 'Baton is starting: the console is not connected to the bot yet. Try again in a moment.' },
};
