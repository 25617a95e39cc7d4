/**
 * Socket Mode, as Slack documents it ("Using Socket Mode"): the app calls
 * apps.connections.open with its app-level token and gets a WebSocket URL for
 * one connection; on connect Slack says `hello`; requests arrive as envelopes
 * `{ envelope_id, type, payload, accepts_response_payload }` and the app acks
 * each with `{ envelope_id, payload? }`; a `disconnect` message asks the app
 * to connect again. The stand-in records every connection, envelope and ack,
 * so a test can tell "acked within 3 s" from "acked late" or "never".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { MethodResult } from './chat-methods.ts';
import type { CommandOrigin } from './command-answers.ts';
import { slashCommandFields, type SlashCommandFields } from './signed-requests.ts';
import type { StandInState } from './state.ts';

export const SOCKET_PATH = '/socket/link/';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** `warning`: the connection closes soon; `refresh_requested`: Slack wants a new one; `link_disabled`: Socket Mode was turned off. */
export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

export interface SocketConnection {
  /** 1 for the app's first connection, 2 for the next, … */
  id: number;
  openedAt: number;
  /** Set once the socket closed, by either side. */
  closedAt?: number;
  closedBy?: 'app' | 'stand-in';
  /** The reasons of the `disconnect` messages sent on it. */
  disconnects: DisconnectReason[];
}

export interface DeliveredEnvelope {
  envelopeId: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  acceptsResponsePayload: boolean;
  /** The connection it went out on. */
  connection: number;
  sentAt: number;
}

export interface SocketAck {
  envelopeId: string;
  /** What the app put in the ack, if anything (a slash command's immediate answer, a view's errors). */
  payload?: Record<string, unknown>;
  connection: number;
  at: number;
  /** Time since the envelope went out; undefined for an envelope id the stand-in never sent. */
  afterMs?: number;
}

export interface SocketModeStandIn {
  /** Every connection the app opened, oldest first. */
  readonly connections: readonly SocketConnection[];
  readonly envelopes: readonly DeliveredEnvelope[];
  readonly acks: readonly SocketAck[];
  /** The connections open now. */
  open(): SocketConnection[];
  /** Sends an envelope on the newest open connection (Slack may pick any open one); answers its envelope id. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, options?: { acceptsResponsePayload?: boolean }): string;
  /** A slash command (defaults as in signed-requests.ts, `/promote` in C0RELEASES by U0ALICE). */
  slashCommand(fields?: Partial<SlashCommandFields>): string;
  /** A block action, view submission or other interaction payload. */
  interaction(payload: Record<string, unknown>): string;
  ackFor(envelopeId: string): SocketAck | undefined;
  /**
   * Sends `{ type: 'disconnect', reason }` on every open connection. Slack
   * closes a connection itself some seconds later if the app has not; so does
   * the stand-in after `closeAfterMs`.
   */
  requestDisconnect(reason?: DisconnectReason, options?: { closeAfterMs?: number }): void;
}

/** How long the stand-in leaves a connection open after a `disconnect` message, unless told otherwise. */
export const DISCONNECT_GRACE_MS = 10_000;

/** Interactions whose ack may carry an answer (a view's errors, a menu's options). */
const ANSWERABLE_INTERACTIONS = ['view_submission', 'block_suggestion'];

export class SocketModeLinks implements SocketModeStandIn {
  readonly connections: SocketConnection[] = [];
  readonly envelopes: DeliveredEnvelope[] = [];
  readonly acks: SocketAck[] = [];
  private readonly tickets = new Set<string>();
  private readonly sockets = new Map<number, WebSocket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(
    private readonly clock: () => number,
    private readonly appId: string,
    /** Shows a slash command's immediate answer, as Slack does with an ack's payload. */
    private readonly showCommandAnswer: (origin: CommandOrigin, answer: Record<string, unknown>) => void,
  ) {}

  /** The answer to apps.connections.open: a URL good for one connection. */
  openUrl(baseUrl: string): string {
    const ticket = randomBytes(16).toString('hex');
    this.tickets.add(ticket);
    return `${baseUrl.replace(/^http/, 'ws')}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** For the HTTP server's `upgrade` event; refuses a URL apps.connections.open did not give, or gave and saw used. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== SOCKET_PATH || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  open(): SocketConnection[] {
    return this.connections.filter((connection) => connection.closedAt === undefined);
  }

  deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    options: { acceptsResponsePayload?: boolean } = {},
  ): string {
    const connection = this.open().at(-1);
    const socket = connection && this.sockets.get(connection.id);
    if (!connection || !socket) throw new Error(`Socket Mode: no connection is open to deliver a ${type} envelope on`);
    const envelopeId = randomUUID();
    const acceptsResponsePayload =
      options.acceptsResponsePayload ??
      (type === 'slash_commands' || (type === 'interactive' && ANSWERABLE_INTERACTIONS.includes(String(payload.type))));
    this.envelopes.push({
      envelopeId,
      type,
      payload,
      acceptsResponsePayload,
      connection: connection.id,
      sentAt: this.clock(),
    });
    socket.send(
      JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: acceptsResponsePayload }),
    );
    return envelopeId;
  }

  slashCommand(fields: Partial<SlashCommandFields> = {}): string {
    return this.deliver('slash_commands', { ...slashCommandFields(fields) });
  }

  interaction(payload: Record<string, unknown>): string {
    return this.deliver('interactive', payload);
  }

  ackFor(envelopeId: string): SocketAck | undefined {
    return this.acks.find((ack) => ack.envelopeId === envelopeId);
  }

  requestDisconnect(reason: DisconnectReason = 'refresh_requested', options: { closeAfterMs?: number } = {}): void {
    for (const connection of this.open()) {
      const socket = this.sockets.get(connection.id);
      if (!socket) continue;
      connection.disconnects.push(reason);
      socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'stand-in' } }));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (connection.closedAt !== undefined) return;
        connection.closedBy = 'stand-in';
        socket.close(1000, reason);
      }, options.closeAfterMs ?? DISCONNECT_GRACE_MS);
      this.timers.add(timer);
    }
  }

  /** Ends every connection at once, as a Slack outage would. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    for (const [id, socket] of this.sockets) {
      const connection = this.connections.find((entry) => entry.id === id);
      if (connection && connection.closedAt === undefined) connection.closedBy = 'stand-in';
      socket.terminate();
    }
    this.server.close();
  }

  private accept(socket: WebSocket): void {
    const connection: SocketConnection = { id: this.connections.length + 1, openedAt: this.clock(), disconnects: [] };
    this.connections.push(connection);
    this.sockets.set(connection.id, socket);
    socket.on('message', (data, isBinary) => this.receive(connection, data, isBinary));
    socket.on('close', () => {
      connection.closedAt = this.clock();
      connection.closedBy ??= 'app';
      this.sockets.delete(connection.id);
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open().length,
        debug_info: { host: 'stand-in', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  private receive(connection: SocketConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      // Slack ignores what it cannot read; a test sees the missing ack.
      return;
    }
    const { envelope_id: envelopeId, payload } = (message ?? {}) as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    const at = this.clock();
    const sent = this.envelopes.find((envelope) => envelope.envelopeId === envelopeId);
    // Bolt sends `payload: {}` with a plain ack; Slack reads that as no payload.
    const answer =
      payload !== null && typeof payload === 'object' && Object.keys(payload).length > 0
        ? (payload as Record<string, unknown>)
        : undefined;
    this.acks.push({
      envelopeId,
      connection: connection.id,
      at,
      ...(answer ? { payload: answer } : {}),
      ...(sent ? { afterMs: at - sent.sentAt } : {}),
    });
    if (answer && sent?.type === 'slash_commands') {
      this.showCommandAnswer({ user: String(sent.payload.user_id), channel: String(sent.payload.channel_id) }, answer);
    }
  }
}

/** apps.connections.open: a WebSocket URL for one connection. */
export function appsConnectionsOpen(state: StandInState): MethodResult {
  return { url: state.socketMode.openUrl(state.baseUrl) };
}
