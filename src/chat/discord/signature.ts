/**
 * Discord signs each interaction it sends over HTTP with the application's
 * Ed25519 key: X-Signature-Ed25519 over X-Signature-Timestamp + the raw body.
 * https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The DER prefix that makes a raw 32-byte Ed25519 key an SPKI structure Node can read. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function discordPublicKey(hex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

export function isSignedByDiscord(
  key: KeyObject,
  signature: string | undefined,
  timestamp: string,
  body: Buffer,
): boolean {
  if (!signature || !/^[0-9a-f]{128}$/i.test(signature)) return false;
  return verify(null, Buffer.concat([Buffer.from(timestamp), body]), key, Buffer.from(signature, 'hex'));
}
