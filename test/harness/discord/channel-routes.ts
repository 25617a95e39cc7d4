/**
 * Channel routes: create, edit, read and delete messages; start a thread from
 * a message (the thread's id is the message's, as on Discord) and post into it.
 * https://discord.com/developers/docs/resources/message,
 * https://discord.com/developers/docs/resources/channel#start-thread-from-message
 */
import { DiscordApiError, FormErrors, unknown } from './api-error.ts';
import { CHANNEL_TYPE, type StoredChannel } from './guilds.ts';
import { INTENT } from './gateway.ts';
import { checkMessageBody } from './message-limits.ts';
import type { StoredMessage } from './messages.ts';
import type { Route, RouteContext } from './routes.ts';
import type { StandInState } from './state.ts';

type Json = Record<string, unknown>;

const AUTO_ARCHIVE_DURATIONS = new Set([60, 1440, 4320, 10080]);

function jsonObject(body: unknown): Json {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
}

function channel(state: StandInState, id: string | undefined): StoredChannel {
  const found = id === undefined ? undefined : state.directory.channels.get(id);
  if (!found) throw unknown('channel');
  return found;
}

function messageIn(state: StandInState, channelId: string, id: string | undefined): StoredMessage {
  const message = id === undefined ? undefined : state.messages.get(id);
  if (!message || message.channelId !== channelId || message.ephemeral) throw unknown('message');
  return message;
}

function api(state: StandInState, message: StoredMessage): Json {
  return state.messages.apiMessage(message, state.directory);
}

/** A message now in a channel: the channel's counters move and the gateway tells the bot (GUILD_MESSAGES). */
export function announceMessage(
  state: StandInState,
  message: StoredMessage,
  event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE',
): void {
  if (message.ephemeral) return;
  const target = state.directory.channels.get(message.channelId);
  if (target && event === 'MESSAGE_CREATE') {
    target.lastMessageId = message.id;
    target.messageCount += 1;
  }
  state.gateway.dispatch(event, api(state, message), INTENT.guildMessages);
}

/** How long Discord checks a nonce for uniqueness ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;

/** Messages created with `enforce_nonce`, by channel and nonce. */
const createdByNonce = new WeakMap<object, Map<string, { messageId: string; at: number }>>();

function postMessage({ state, params, body }: RouteContext) {
  const target = channel(state, params['channel.id']);
  const json = jsonObject(body.json);
  checkMessageBody(json, { creating: true, files: body.files.length });
  // With enforce_nonce, a second create with the same nonce returns the first message instead of making another.
  const nonce =
    json.enforce_nonce === true && (typeof json.nonce === 'string' || typeof json.nonce === 'number')
      ? `${target.id}/${String(json.nonce)}`
      : undefined;
  const seen = createdByNonce.get(state) ?? new Map<string, { messageId: string; at: number }>();
  createdByNonce.set(state, seen);
  const earlier = nonce ? seen.get(nonce) : undefined;
  const existing =
    earlier && earlier.at > state.clock() - NONCE_WINDOW_MS ? state.messages.get(earlier.messageId) : undefined;
  if (existing) return { status: 200, body: api(state, existing) };
  // Only interaction responses may be ephemeral.
  const message = state.messages.create(
    target.id,
    target.guildId,
    state.directory.botUser.id,
    { ...json, flags: (typeof json.flags === 'number' ? json.flags : 0) & ~(1 << 6) },
    body.files,
  );
  if (nonce) seen.set(nonce, { messageId: message.id, at: state.clock() });
  announceMessage(state, message, 'MESSAGE_CREATE');
  return { status: 200, body: api(state, message) };
}

function editMessage({ state, params, body }: RouteContext) {
  const target = channel(state, params['channel.id']);
  const message = messageIn(state, target.id, params['message.id']);
  if (message.authorId !== state.directory.botUser.id)
    throw new DiscordApiError(403, 50005, 'Cannot edit a message authored by another user');
  const json = jsonObject(body.json);
  checkMessageBody(json, { creating: false, files: body.files.length });
  state.messages.edit(message, json, body.files);
  announceMessage(state, message, 'MESSAGE_UPDATE');
  return { status: 200, body: api(state, message) };
}

function getMessage({ state, params }: RouteContext) {
  const target = channel(state, params['channel.id']);
  return { status: 200, body: api(state, messageIn(state, target.id, params['message.id'])) };
}

function listMessages({ state, params, query }: RouteContext) {
  const target = channel(state, params['channel.id']);
  const limit = Number(query.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    const errors = new FormErrors();
    errors.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be <= 100 and >= 1.');
    errors.throwIfAny();
  }
  const before = query.get('before');
  const after = query.get('after');
  let list = state.messages.inChannel(target.id);
  if (before) list = list.filter((message) => BigInt(message.id) < BigInt(before));
  if (after) list = list.filter((message) => BigInt(message.id) > BigInt(after));
  // Newest first, as Discord answers; `after` takes the oldest ones past it.
  const page = after ? list.slice(0, limit) : list.slice(-limit);
  return { status: 200, body: page.reverse().map((message) => api(state, message)) };
}

function deleteMessage({ state, params }: RouteContext) {
  const target = channel(state, params['channel.id']);
  const message = messageIn(state, target.id, params['message.id']);
  state.messages.delete(message);
  state.gateway.dispatch(
    'MESSAGE_DELETE',
    { id: message.id, channel_id: target.id, guild_id: target.guildId },
    INTENT.guildMessages,
  );
  return { status: 204 };
}

function startThread({ state, params, body }: RouteContext) {
  const parent = channel(state, params['channel.id']);
  if (parent.type !== CHANNEL_TYPE.guildText)
    throw new DiscordApiError(400, 50024, 'Cannot execute action on this channel type');
  const message = messageIn(state, parent.id, params['message.id']);
  const json = jsonObject(body.json);
  const errors = new FormErrors();
  const name = typeof json.name === 'string' ? json.name : '';
  if (name === '') errors.required(['name']);
  else if ([...name].length > 100) errors.maxLength(['name'], 100);
  const duration = json.auto_archive_duration;
  if (duration !== undefined && !AUTO_ARCHIVE_DURATIONS.has(duration as number)) {
    errors.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
  }
  errors.throwIfAny();
  if (message.threadId !== undefined)
    throw new DiscordApiError(400, 160004, 'A thread has already been created for this message');
  const thread: StoredChannel = {
    id: message.id,
    guildId: parent.guildId,
    name,
    type: CHANNEL_TYPE.publicThread,
    parentId: parent.id,
    ownerId: state.directory.botUser.id,
    autoArchiveDuration: typeof duration === 'number' ? duration : 4320,
    createdAt: state.clock(),
    messageCount: 0,
  };
  state.directory.channels.set(thread.id, thread);
  message.threadId = thread.id;
  state.threads.push(thread.id);
  state.gateway.dispatch(
    'THREAD_CREATE',
    { ...state.directory.apiChannel(thread), newly_created: true },
    INTENT.guilds,
  );
  return { status: 201, body: state.directory.apiChannel(thread) };
}

function getChannel({ state, params }: RouteContext) {
  return { status: 200, body: state.directory.apiChannel(channel(state, params['channel.id'])) };
}

export const CHANNEL_ROUTES: Route[] = [
  { method: 'GET', template: '/channels/{channel.id}', auth: 'bot', handle: getChannel },
  { method: 'POST', template: '/channels/{channel.id}/messages', auth: 'bot', handle: postMessage },
  { method: 'GET', template: '/channels/{channel.id}/messages', auth: 'bot', handle: listMessages },
  { method: 'GET', template: '/channels/{channel.id}/messages/{message.id}', auth: 'bot', handle: getMessage },
  { method: 'PATCH', template: '/channels/{channel.id}/messages/{message.id}', auth: 'bot', handle: editMessage },
  { method: 'DELETE', template: '/channels/{channel.id}/messages/{message.id}', auth: 'bot', handle: deleteMessage },
  {
    method: 'POST',
    template: '/channels/{channel.id}/messages/{message.id}/threads',
    auth: 'bot',
    handle: startThread,
  },
];
