/**
 * Checks the JSON bodies of the console's command and action requests, with
 * errors that name the field so a script author can fix the call.
 */
import type { IncomingAction, IncomingCommand } from '../contract.ts';
import { quoteInput } from '../../errors.ts';
import { ACTION_IDS, type ActionId } from '../message.ts';

/** A failure is a 400 unless it says otherwise. */
export type Validated<T> = { ok: true; value: T } | { ok: false; field: string; error: string; status?: number };

type Fields = Record<string, unknown>;

/** `signedIn`: the person a login vouches for; the body's `user` may then only repeat it. */
export function validateCommandRequest(
  body: unknown,
  defaultChannel: string,
  signedIn?: string,
): Validated<IncomingCommand> {
  if (!isObject(body)) {
    return notAnObject(
      signedIn ? '{ "text": "/promote 1.4.2 to staging" }' : '{ "user": "alice", "text": "/promote 1.4.2 to staging" }',
    );
  }
  const user = userOf(body, signedIn, 'the name of the person sending the command');
  if (!user.ok) return user;
  const text = requiredString(body, 'text', 'the command, e.g. "/promote 1.4.2 to staging"');
  if (!text.ok) return text;
  const channel = optionalChannel(body, defaultChannel);
  if (!channel.ok) return channel;
  return { ok: true, value: { user: user.value, channel: channel.value, text: withoutPromote(text.value) } };
}

export function validateActionRequest(
  body: unknown,
  defaultChannel: string,
  signedIn?: string,
): Validated<IncomingAction> {
  if (!isObject(body)) {
    return notAnObject(
      signedIn ? '{ "actionId": "approve", "value": "…" }' : '{ "user": "bob", "actionId": "approve", "value": "…" }',
    );
  }
  const user = userOf(body, signedIn, 'the name of the person clicking the button');
  if (!user.ok) return user;
  const actionId = body.actionId;
  if (typeof actionId !== 'string' || !isActionId(actionId)) {
    return { ok: false, field: 'actionId', error: `"actionId" must be one of: ${ACTION_IDS.join(', ')}` };
  }
  if (typeof body.value !== 'string') {
    return { ok: false, field: 'value', error: '"value" is required: the value of the button, as the message gave it' };
  }
  if (body.reason !== undefined && typeof body.reason !== 'string') {
    return { ok: false, field: 'reason', error: '"reason" must be a string when given' };
  }
  const channel = optionalChannel(body, defaultChannel);
  if (!channel.ok) return channel;
  const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim() : undefined;
  return {
    ok: true,
    value: {
      user: user.value,
      channel: channel.value,
      actionId,
      value: body.value,
      ...(reason === undefined ? {} : { reason }),
    },
  };
}

/** The page and scripts send what a person would type; the handler wants the text after it. */
function withoutPromote(text: string): string {
  return text.replace(/^\/promote(?:\s+|$)/i, '');
}

function isObject(body: unknown): body is Fields {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

function isActionId(value: string): value is ActionId {
  return (ACTION_IDS as readonly string[]).includes(value);
}

function notAnObject(example: string): Validated<never> {
  return { ok: false, field: 'body', error: `The body must be a JSON object like ${example}` };
}

/**
 * Who acts: the signed-in person when there is one (a different "user" in the
 * body is refused, not ignored, so a script that meant someone else finds out),
 * else the body's "user" (the open console on loopback).
 */
function userOf(body: Fields, signedIn: string | undefined, meaning: string): Validated<string> {
  if (signedIn === undefined) return requiredString(body, 'user', meaning);
  if (body.user === undefined || (typeof body.user === 'string' && body.user.trim() === signedIn))
    return { ok: true, value: signedIn };
  return {
    ok: false,
    status: 403,
    field: 'user',
    error: `You are signed in as ${signedIn}, but the request says "user": ${typeof body.user === 'string' ? quoteInput(body.user) : '(not a name)'}. The console acts only as the signed-in person: leave "user" out, or send "${signedIn}".`,
  };
}

function requiredString(body: Fields, field: string, meaning: string): Validated<string> {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    return { ok: false, field, error: `"${field}" is required: ${meaning}` };
  }
  return { ok: true, value: value.trim() };
}

function optionalChannel(body: Fields, defaultChannel: string): Validated<string> {
  if (body.channel === undefined) {
    return { ok: true, value: defaultChannel };
  }
  if (typeof body.channel !== 'string' || body.channel.trim() === '') {
    return { ok: false, field: 'channel', error: '"channel" must be a channel name like "#deploys" when given' };
  }
  return { ok: true, value: body.channel.trim() };
}
