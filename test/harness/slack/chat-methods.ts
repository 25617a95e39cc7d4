/**
 * chat.* methods: post (with the per-channel rate limit), update, delete,
 * ephemeral, permalink. The answers carry the fields Bolt and @slack/web-api
 * read (`channel`, `ts`, `message`, `message_ts`); the errors are the ones
 * Slack documents for each method.
 */
import { missingArgument, rateLimited, SlackApiError } from './api-error.ts';
import { checkedContent, fullContent } from './message-content.ts';
import type { PostedMessage } from './messages.ts';
import { booleanArg, stringArg, type Args } from './request-body.ts';
import type { StandInState } from './state.ts';

export type MethodResult = Record<string, unknown>;

export function messageJson(state: StandInState, message: PostedMessage): Record<string, unknown> {
  const { workspace } = state;
  return {
    type: 'message',
    subtype: message.files.length > 0 ? 'file_share' : undefined,
    user: message.user,
    bot_id: message.botId,
    app_id: workspace.appId,
    team: workspace.teamId,
    text: message.text,
    blocks: message.blocks.length > 0 ? message.blocks : undefined,
    attachments: message.attachments.length > 0 ? message.attachments : undefined,
    files: message.files.length > 0 ? message.files : undefined,
    ts: message.ts,
    thread_ts: message.threadTs,
    edited: message.editedTs === undefined ? undefined : { user: message.user, ts: message.editedTs },
  };
}

function postingChannel(state: StandInState, args: Args): string {
  const lookup = state.workspace.channelFor(stringArg(args, 'channel'));
  if (!lookup.ok) throw new SlackApiError(lookup.error);
  return lookup.id;
}

/** Slack's per-channel posting limit; a post counts once it would otherwise be accepted. */
export function admitPost(state: StandInState, method: string, channel: string): void {
  const admission = state.rateLimiter.take(channel);
  if (admission.admitted) return;
  state.rateLimited.push({ method, channel, retryAfterSeconds: admission.retryAfterSeconds, at: state.clock() });
  throw rateLimited(admission.retryAfterSeconds);
}

function existingMessage(state: StandInState, args: Args, tsField: string, changing = true): PostedMessage {
  const channel = state.workspace.channelId(stringArg(args, 'channel') ?? '');
  const ts = stringArg(args, tsField);
  const message = ts === undefined ? undefined : state.messages.find(channel, ts);
  if (!message) throw new SlackApiError('message_not_found');
  if (changing && message.user !== state.workspace.botUserId) throw new SlackApiError('cant_update_message');
  return message;
}

export function postMessage(state: StandInState, args: Args): MethodResult {
  const channel = postingChannel(state, args);
  const content = fullContent(checkedContent(args, true));
  admitPost(state, 'chat.postMessage', channel);
  const threadTs = stringArg(args, 'thread_ts');
  const message = state.messages.post(channel, content, {
    ...(threadTs === undefined ? {} : { threadTs }),
    via: 'chat.postMessage',
    user: state.workspace.botUserId,
    botId: state.workspace.botId,
    replyBroadcast: booleanArg(args, 'reply_broadcast'),
  });
  return { channel, ts: message.ts, message: messageJson(state, message) };
}

export function update(state: StandInState, args: Args): MethodResult {
  if (stringArg(args, 'channel') === undefined) throw new SlackApiError('channel_not_found');
  const message = existingMessage(state, args, 'ts');
  const content = checkedContent(args, false);
  if (Object.keys(content).length === 0) throw new SlackApiError('no_text');
  const admission = state.updateLimiter.take(state.workspace.teamId);
  if (!admission.admitted) {
    state.rateLimited.push({
      method: 'chat.update',
      channel: message.channel,
      retryAfterSeconds: admission.retryAfterSeconds,
      at: state.clock(),
    });
    throw rateLimited(admission.retryAfterSeconds);
  }
  state.messages.update(message, content);
  return { channel: message.channel, ts: message.ts, text: message.text, message: messageJson(state, message) };
}

export function deleteMessage(state: StandInState, args: Args): MethodResult {
  if (stringArg(args, 'channel') === undefined) throw new SlackApiError('channel_not_found');
  const message = existingMessage(state, args, 'ts');
  state.messages.delete(message);
  return { channel: message.channel, ts: message.ts };
}

export function postEphemeral(state: StandInState, args: Args): MethodResult {
  const channel = postingChannel(state, args);
  const user = stringArg(args, 'user');
  if (user === undefined) throw missingArgument('user');
  if (!state.workspace.user(user)) throw new SlackApiError('user_not_found');
  const content = fullContent(checkedContent(args, true));
  const threadTs = stringArg(args, 'thread_ts');
  const ephemeral = state.messages.addEphemeral({
    ...content,
    channel,
    user,
    ...(threadTs === undefined ? {} : { threadTs }),
    via: 'chat.postEphemeral',
  });
  return { message_ts: ephemeral.ts };
}

export function getPermalink(state: StandInState, args: Args): MethodResult {
  const message = existingMessage(state, args, 'message_ts', false);
  const path = `archives/${message.channel}/p${message.ts.replace('.', '')}`;
  const thread = message.threadTs === undefined ? '' : `?thread_ts=${message.threadTs}&cid=${message.channel}`;
  return { channel: message.channel, permalink: `${state.workspace.url}${path}${thread}` };
}
