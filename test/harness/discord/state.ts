/**
 * Everything the stand-in remembers between requests, in one place the route
 * handlers share and tests read through the DiscordStandIn object.
 */
import type { CommandRegistry } from './commands.ts';
import type { GatewayServer } from './gateway.ts';
import type { GuildDirectory } from './guilds.ts';
import type { MessageStore } from './messages.ts';
import type { RateLimits } from './rate-limit.ts';
import type { Snowflakes } from './snowflakes.ts';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  /** The route as in the route table, e.g. `POST /channels/{channel.id}/messages`; the raw path if none matched. */
  route: string;
  /** The path after /api/v10, ids and all. */
  path: string;
  /** The JSON body (payload_json for multipart), if any. */
  body: unknown;
  files: number;
  status: number;
  /** Discord's JSON error code when refused. */
  code?: number;
  at: number;
}

export interface RecordedCallback {
  /** InteractionResponseType: 1 PONG, 4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete result, 9 modal. */
  type: number;
  data?: Json;
  at: number;
  /** Time from sending the interaction to this callback. */
  afterMs: number;
  /** Through POST /interactions/{id}/{token}/callback, or as the HTTP answer to the delivery itself. */
  via: 'callback' | 'http-response';
}

export interface Refusal {
  status: number;
  code: number;
  message: string;
  at: number;
}

export type InteractionKind = 'ping' | 'command' | 'autocomplete' | 'button' | 'modal';

export interface InteractionRecord {
  id: string;
  token: string;
  /** InteractionType: 1 PING, 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT. */
  type: number;
  kind: InteractionKind;
  /** The command name or the custom_id. */
  name: string;
  userId: string;
  guildId: string;
  channelId: string;
  sentAt: number;
  /** The payload as delivered. */
  payload: Json;
  via: 'gateway' | 'http';
  /** The accepted callback; later attempts are refusals. */
  callback?: RecordedCallback;
  /** Callbacks and webhook calls Discord refused (too late, twice, invalid). */
  refusals: Refusal[];
  /** The message the component sat on (buttons; modals opened from one). */
  sourceMessageId?: string;
  /** What `@original` names: the response message, or for component updates the source message. */
  originalMessageId?: string;
  followUpIds: string[];
  /** For HTTP delivery: how the app's endpoint answered. */
  delivery?: { status: number; body: unknown };
}

export interface StandInState {
  readonly directory: GuildDirectory;
  readonly messages: MessageStore;
  readonly commands: CommandRegistry;
  readonly ids: Snowflakes;
  readonly clock: () => number;
  readonly rateLimits: RateLimits;
  readonly gateway: GatewayServer;
  readonly interactions: Map<string, InteractionRecord>;
  readonly threads: string[];
  readonly requests: RecordedRequest[];
  /** Time an interaction may wait for its first callback; Discord's is 3 s. */
  readonly interactionDeadlineMs: number;
  /** Hex Ed25519 public key (the application's verify_key). */
  readonly publicKey: string;
}
