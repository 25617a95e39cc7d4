/**
 * The HMAC signature a webhook receiver checks, computed over the exact
 * bytes sent, as GitHub's X-Hub-Signature-256 is: `sha256=` + hex digest.
 */
import { createHmac } from 'node:crypto';
import type { TriggerSettings } from './schema.ts';

type HmacSettings = NonNullable<TriggerSettings['hmac']>;

export function signatureHeader(hmac: HmacSettings, body: Uint8Array): [name: string, value: string] {
  const digest = createHmac(hmac.algorithm, hmac.secret).update(body).digest('hex');
  return [hmac.header, `${hmac.prefix ?? `${hmac.algorithm}=`}${digest}`];
}
