/**
 * A small JSON payload the browser keeps and Baton can trust again: HMAC-SHA256
 * over the payload, an expiry checked here (not left to the browser), and a
 * purpose, so a token made for one job (a login in progress) is never taken
 * for another (a session).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `expiresAt`: when the token stops being accepted, milliseconds since the epoch. */
export type Opened<T> =
  | { ok: true; payload: T; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'wrong-purpose' | 'expired' };

interface Envelope {
  /** What the token is for. */
  p: string;
  /** Expiry, milliseconds since the epoch. */
  e: number;
  d: unknown;
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

export function signToken(key: Buffer, purpose: string, payload: unknown, expiresAt: number): string {
  const envelope: Envelope = { p: purpose, e: expiresAt, d: payload };
  const body = Buffer.from(JSON.stringify(envelope)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The payload, when the token was signed with `key` for `purpose` and has not expired at `now`. */
export function openToken<T>(key: Buffer, purpose: string, token: string, now: number): Opened<T> {
  const [body, signature, ...rest] = token.split('.');
  if (!body || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };
  const expected = mac(key, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad-signature' };
  let envelope: Envelope;
  try {
    envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Envelope;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (envelope.p !== purpose) return { ok: false, reason: 'wrong-purpose' };
  if (typeof envelope.e !== 'number' || envelope.e <= now) return { ok: false, reason: 'expired' };
  return { ok: true, payload: envelope.d as T, expiresAt: envelope.e };
}
