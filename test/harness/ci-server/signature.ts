/**
 * How the CI server stand-in checks a webhook signature, the way GitHub
 * documents for X-Hub-Signature-256: HMAC-SHA256 of the raw body with the
 * shared secret, hex, prefixed "sha256=", compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-hub-signature-256';

export type SignatureCheck = 'valid' | 'missing' | 'mismatch';

export function checkSignature(secret: string, rawBody: Buffer, header: string | undefined): SignatureCheck {
  if (header === undefined || header === '') return 'missing';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'mismatch';
}
