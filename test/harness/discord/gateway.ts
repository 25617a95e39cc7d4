/**
 * The gateway side of the stand-in: a WebSocket that speaks Discord's gateway
 * protocol in JSON (no compression) — HELLO, IDENTIFY → READY (+ GUILD_CREATE
 * per guild with the GUILDS intent), heartbeats and their ACKs, sequence numbers
 * on dispatches, RESUME replaying what the bot missed, RECONNECT and
 * INVALID_SESSION, and the documented close codes. Dispatches belong to the
 * session, not the socket: what is sent while the bot is away is replayed when
 * it resumes. https://discord.com/developers/docs/events/gateway
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { apiUser, type GuildDirectory } from './guilds.ts';

type Json = Record<string, unknown>;

export const OP = {
  dispatch: 0,
  heartbeat: 1,
  identify: 2,
  presenceUpdate: 3,
  voiceStateUpdate: 4,
  resume: 6,
  reconnect: 7,
  requestGuildMembers: 8,
  invalidSession: 9,
  hello: 10,
  heartbeatAck: 11,
} as const;

export const CLOSE = {
  unknownError: 4000,
  unknownOpcode: 4001,
  decodeError: 4002,
  notAuthenticated: 4003,
  authenticationFailed: 4004,
  alreadyAuthenticated: 4005,
  invalidSeq: 4007,
  invalidShard: 4010,
  invalidApiVersion: 4012,
  invalidIntents: 4013,
  disallowedIntents: 4014,
} as const;

export const INTENT = {
  guilds: 1 << 0,
  guildMembers: 1 << 1,
  guildPresences: 1 << 8,
  guildMessages: 1 << 9,
  messageContent: 1 << 15,
} as const;
const PRIVILEGED = INTENT.guildMembers | INTENT.guildPresences | INTENT.messageContent;
const KNOWN_INTENTS = 0x1ffff | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25);
const GATEWAY_PATH = '/gateway';
const RESUME_PATH = '/gateway/resume';
const HISTORY_LIMIT = 1_000;

export interface GatewayConnection {
  /** The URL the bot connected to, with its query. */
  url: string;
  openedAt: number;
  identified: boolean;
  resumed: boolean;
  closedAt?: number;
  closeCode?: number;
  /** Who closed it: the bot, or the stand-in (a test hook, a refusal, close()). */
  closedBy?: 'bot' | 'stand-in';
  heartbeats: number;
}

export interface SentDispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  intents: number;
  history: SentDispatch[];
  socket?: WebSocket;
  invalid: boolean;
}

interface Link {
  connection: GatewayConnection;
  session?: Session;
}

export interface GatewayOptions {
  /** HELLO's heartbeat_interval, ms; default 41 250 as Discord sends. */
  heartbeatIntervalMs?: number;
  /** Privileged intents the app is approved for (GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT bits); default none. */
  privilegedIntents?: number;
}

export class GatewayServer {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly links = new Map<WebSocket, Link>();
  private current: Session | undefined;
  readonly connections: GatewayConnection[] = [];
  identifyCount = 0;
  resumeCount = 0;

  constructor(
    private readonly directory: GuildDirectory,
    private readonly options: GatewayOptions,
    private readonly clock: () => number,
    private readonly baseWsUrl: () => string,
  ) {}

  get url(): string {
    return `${this.baseWsUrl()}${GATEWAY_PATH}`;
  }

  get connectionCount(): number {
    return this.connections.length;
  }

  /** The session dispatches go to: the newest identified one that has not been invalidated. */
  get sessionId(): string | undefined {
    return this.current?.id;
  }

  /** True while the current session has an open, identified socket. */
  get connected(): boolean {
    return this.current?.socket !== undefined;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', 'ws://stand-in');
    if (url.pathname !== GATEWAY_PATH && url.pathname !== RESUME_PATH) return false;
    this.server.handleUpgrade(request, socket, head, (ws) =>
      this.open(ws, `${this.baseWsUrl()}${url.pathname}${url.search}`, url.searchParams),
    );
    return true;
  }

  private send(ws: WebSocket, payload: Json): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  private closeWith(ws: WebSocket, code: number, reason: string): void {
    const link = this.links.get(ws);
    if (link && link.connection.closedBy === undefined) link.connection.closedBy = 'stand-in';
    ws.close(code, reason);
  }

  private open(ws: WebSocket, url: string, query: URLSearchParams): void {
    const connection: GatewayConnection = {
      url,
      openedAt: this.clock(),
      identified: false,
      resumed: false,
      heartbeats: 0,
    };
    this.connections.push(connection);
    this.links.set(ws, { connection });
    ws.on('message', (data, isBinary) => this.receive(ws, data, isBinary));
    ws.on('close', (code) => this.closed(ws, code));
    ws.on('error', () => undefined);
    if (query.get('v') !== '10') {
      this.closeWith(ws, CLOSE.invalidApiVersion, 'Invalid API version.');
      return;
    }
    if ((query.get('encoding') ?? 'json') !== 'json' || query.has('compress')) {
      // The stand-in speaks JSON only: no ETF, no zlib-stream.
      this.closeWith(ws, CLOSE.decodeError, 'The Discord stand-in supports encoding=json without compress only.');
      return;
    }
    this.send(ws, {
      op: OP.hello,
      t: null,
      s: null,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250, _trace: ['["discord-stand-in"]'] },
    });
  }

  private closed(ws: WebSocket, code: number): void {
    const link = this.links.get(ws);
    if (!link) return;
    link.connection.closedAt = this.clock();
    link.connection.closeCode = code;
    link.connection.closedBy ??= 'bot';
    if (link.session?.socket === ws) {
      link.session.socket = undefined;
      // Discord: closing with 1000 or 1001 ends the session; other codes keep it resumable.
      if (link.connection.closedBy === 'bot' && (code === 1000 || code === 1001)) this.invalidate(link.session);
    }
    this.links.delete(ws);
  }

  private invalidate(session: Session): void {
    session.invalid = true;
    this.sessions.delete(session.id);
    if (this.current === session) this.current = undefined;
  }

  private receive(ws: WebSocket, data: RawData, isBinary: boolean): void {
    const link = this.links.get(ws);
    if (!link) return;
    let payload: Json;
    try {
      if (isBinary) throw new Error('binary');
      payload = JSON.parse(data.toString()) as Json;
    } catch {
      this.closeWith(ws, CLOSE.decodeError, 'Error while decoding payload.');
      return;
    }
    const d = (payload.d ?? {}) as Json;
    switch (payload.op) {
      case OP.heartbeat:
        link.connection.heartbeats += 1;
        this.send(ws, { op: OP.heartbeatAck, t: null, s: null, d: null });
        return;
      case OP.identify:
        this.identify(ws, link, d);
        return;
      case OP.resume:
        this.resume(ws, link, d);
        return;
      case OP.presenceUpdate:
      case OP.voiceStateUpdate:
      case OP.requestGuildMembers:
        if (!link.session) this.closeWith(ws, CLOSE.notAuthenticated, 'Not authenticated.');
        return;
      default:
        this.closeWith(
          ws,
          link.session ? CLOSE.unknownOpcode : CLOSE.notAuthenticated,
          link.session ? 'Unknown opcode.' : 'Not authenticated.',
        );
    }
  }

  private identify(ws: WebSocket, link: Link, d: Json): void {
    if (link.session) {
      this.closeWith(ws, CLOSE.alreadyAuthenticated, 'Already authenticated.');
      return;
    }
    if (d.token !== this.directory.token) {
      this.closeWith(ws, CLOSE.authenticationFailed, 'Authentication failed.');
      return;
    }
    const shard = d.shard;
    if (shard !== undefined && !(Array.isArray(shard) && shard[0] === 0 && shard[1] === 1)) {
      // One shard only: the stand-in's guilds all live on shard 0 of 1.
      this.closeWith(ws, CLOSE.invalidShard, 'Invalid shard.');
      return;
    }
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || (intents & ~KNOWN_INTENTS) !== 0) {
      this.closeWith(ws, CLOSE.invalidIntents, 'Invalid intent(s).');
      return;
    }
    if ((intents & PRIVILEGED & ~(this.options.privilegedIntents ?? 0)) !== 0) {
      this.closeWith(ws, CLOSE.disallowedIntents, 'Disallowed intent(s).');
      return;
    }
    if (d.compress === true) {
      this.closeWith(ws, CLOSE.decodeError, 'The Discord stand-in does not compress payloads.');
      return;
    }
    this.identifyCount += 1;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      intents,
      history: [],
      socket: ws,
      invalid: false,
    };
    this.sessions.set(session.id, session);
    this.current = session;
    link.session = session;
    link.connection.identified = true;
    const guildIds = this.directory.guildIds();
    this.dispatchTo(session, 'READY', {
      v: 10,
      user: { ...apiUser(this.directory.botUser, true), verified: true, mfa_enabled: false, email: null },
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: `${this.baseWsUrl()}${RESUME_PATH}`,
      shard: [0, 1],
      application: { id: this.directory.applicationId, flags: 0 },
      private_channels: [],
      _trace: ['["discord-stand-in"]'],
    });
    if ((intents & INTENT.guilds) !== 0) {
      for (const id of guildIds) this.dispatchTo(session, 'GUILD_CREATE', this.directory.apiGuildCreate(id));
    }
  }

  private resume(ws: WebSocket, link: Link, d: Json): void {
    if (link.session) {
      this.closeWith(ws, CLOSE.alreadyAuthenticated, 'Already authenticated.');
      return;
    }
    if (d.token !== this.directory.token) {
      this.closeWith(ws, CLOSE.authenticationFailed, 'Authentication failed.');
      return;
    }
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (!session || session.invalid) {
      this.send(ws, { op: OP.invalidSession, t: null, s: null, d: false });
      return;
    }
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    if (seq > session.seq) {
      this.closeWith(ws, CLOSE.invalidSeq, 'Invalid seq.');
      return;
    }
    const missed = session.history.filter((dispatch) => dispatch.s > seq);
    if (missed.length < session.seq - seq) {
      // Older than the stand-in kept: Discord cannot replay either.
      this.send(ws, { op: OP.invalidSession, t: null, s: null, d: false });
      return;
    }
    if (session.socket && session.socket !== ws)
      this.closeWith(session.socket, CLOSE.unknownError, 'Session resumed elsewhere.');
    this.resumeCount += 1;
    session.socket = ws;
    link.session = session;
    link.connection.resumed = true;
    this.current = session;
    for (const dispatch of missed) this.send(ws, dispatch as unknown as Json);
    this.dispatchTo(session, 'RESUMED', {});
  }

  private dispatchTo(session: Session, t: string, d: unknown): SentDispatch {
    session.seq += 1;
    const dispatch: SentDispatch = { op: 0, t, s: session.seq, d };
    session.history.push(dispatch);
    if (session.history.length > HISTORY_LIMIT) session.history.shift();
    if (session.socket) this.send(session.socket, dispatch as unknown as Json);
    return dispatch;
  }

  /**
   * Sends a dispatch on the current session (queued for replay while the bot
   * is away). `intent`: only if the session asked for it. Returns whether a
   * session took it.
   */
  dispatch(t: string, d: unknown, intent?: number): boolean {
    const session = this.current;
    if (!session) return false;
    if (intent !== undefined && (session.intents & intent) === 0) return true;
    this.dispatchTo(session, t, d);
    return true;
  }

  /** Every dispatch of the current session, in order. */
  dispatches(): SentDispatch[] {
    return [...(this.current?.history ?? [])];
  }

  /** Closes the socket abruptly (no close frame): the bot should resume. */
  dropConnection(): void {
    const socket = this.current?.socket;
    if (!socket) throw new Error('The Discord stand-in has no open gateway connection to drop');
    const link = this.links.get(socket);
    if (link) link.connection.closedBy = 'stand-in';
    socket.terminate();
  }

  /** Sends RECONNECT (op 7); the bot should close and resume on resume_gateway_url. */
  requestReconnect(): void {
    const socket = this.current?.socket;
    if (!socket) throw new Error('The Discord stand-in has no open gateway connection');
    this.send(socket, { op: OP.reconnect, t: null, s: null, d: null });
  }

  /** Sends INVALID_SESSION (op 9, not resumable) and forgets the session: the bot must identify again. */
  invalidateSession(): void {
    const session = this.current;
    if (!session) throw new Error('The Discord stand-in has no gateway session');
    const socket = session.socket;
    this.invalidate(session);
    if (socket) this.send(socket, { op: OP.invalidSession, t: null, s: null, d: false });
  }

  close(): void {
    for (const ws of this.links.keys()) {
      const link = this.links.get(ws);
      if (link) link.connection.closedBy ??= 'stand-in';
      ws.terminate();
    }
    this.server.close();
  }
}
