/**
 * The request a trigger sends: its body bytes (a string as written, anything
 * else as JSON), a content type unless the settings name one, the
 * idempotency key, and the HMAC signature over exactly those bytes.
 */
import type { HttpRequest } from './send.ts';
import type { TriggerSettings } from './schema.ts';
import { signatureHeader } from './signature.ts';

export function bodyBytes(body: TriggerSettings['body']): Uint8Array | undefined {
  if (body === undefined) return undefined;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

export function triggerRequest(trigger: TriggerSettings, idempotencyKey: string): HttpRequest {
  const body = bodyBytes(trigger.body);
  const headers: Record<string, string> = { ...trigger.headers, 'Idempotency-Key': idempotencyKey };
  if (body !== undefined && !hasHeader(headers, 'content-type')) {
    headers['Content-Type'] = typeof trigger.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  }
  if (trigger.hmac !== undefined) {
    const [name, value] = signatureHeader(trigger.hmac, body ?? new Uint8Array());
    headers[name] = value;
  }
  return { method: trigger.method, url: trigger.url, headers, body, redirect: 'manual' };
}
