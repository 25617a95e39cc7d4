/**
 * Everything the stand-in remembers between requests, in one place the
 * method handlers share and tests read through the SlackStandIn object.
 */
import type { MessageStore } from './messages.ts';
import type { ChannelRateLimiter } from './rate-limit.ts';
import type { Args } from './request-body.ts';
import type { ResponseUrls } from './response-urls.ts';
import type { SocketModeLinks } from './socket-mode.ts';
import type { Workspace } from './workspace.ts';

export interface RecordedCall {
  /** The Web API method, e.g. `chat.postMessage`. */
  method: string;
  /** Arguments as sent; JSON-encoded ones (blocks, view, files, attachments) parsed when they parse. */
  args: Args;
  /** Stand-in clock, ms. */
  at: number;
  /** HTTP status answered. */
  status: number;
  /** The JSON answered. */
  answer: Record<string, unknown>;
}

export interface RecordedView {
  id: string;
  /** The trigger id that opened (or pushed) it. */
  triggerId?: string;
  /** The view as last sent by the bot. */
  view: Record<string, unknown>;
  callbackId?: string;
  privateMetadata?: string;
  externalId?: string;
  hash: string;
  /** Opened with views.push on top of another. */
  pushed: boolean;
  /** views.update calls that changed it. */
  updates: number;
  /** Earlier versions, oldest first. */
  history: Array<Record<string, unknown>>;
  openedAt: number;
}

export interface RecordedFile {
  id: string;
  /** The filename given to files.getUploadURLExternal. */
  name: string;
  title: string;
  /** The length declared to files.getUploadURLExternal. */
  length: number;
  altText?: string;
  snippetType?: string;
  /** The bytes posted to the upload URL. */
  bytes?: Buffer;
  /** `bytes` as UTF-8. */
  content?: string;
  uploaded: boolean;
  completed: boolean;
  /** Where files.completeUploadExternal shared it. */
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  /** The ts of the message that shares it. */
  messageTs?: string;
}

export interface RateLimitedCall {
  method: string;
  channel: string;
  retryAfterSeconds: number;
  at: number;
}

export interface TriggerRecord {
  issuedAt: number;
  /** Only ids the stand-in issued time out; others (made by the signed-request helpers) do not. */
  issuedHere: boolean;
  used: boolean;
  user?: string;
}

export interface InjectedFailure {
  /** An `error` answered with HTTP 200 `{ ok: false }`. */
  error?: string;
  /** Another HTTP status (429, 500, 503 …); with 429, `retryAfter` goes in Retry-After. */
  status?: number;
  retryAfter?: number;
}

export interface StandInState {
  readonly workspace: Workspace;
  readonly messages: MessageStore;
  readonly responseUrls: ResponseUrls;
  readonly rateLimiter: ChannelRateLimiter;
  readonly clock: () => number;
  readonly calls: RecordedCall[];
  readonly views: RecordedView[];
  readonly files: Map<string, RecordedFile>;
  readonly triggers: Map<string, TriggerRecord>;
  readonly rateLimited: RateLimitedCall[];
  /** chat.update's Tier 3 limit, counted for the whole workspace. */
  readonly updateLimiter: ChannelRateLimiter;
  readonly socketMode: SocketModeLinks;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  baseUrl: string;
}
