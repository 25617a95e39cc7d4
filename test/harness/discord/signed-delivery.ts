/**
 * Interactions delivered over HTTP, as Discord sends them to an app's
 * Interactions Endpoint URL: a JSON POST with `X-Signature-Ed25519` (hex
 * Ed25519 signature of timestamp + body) and `X-Signature-Timestamp` (Unix
 * seconds). The stand-in holds the private key; the app gets the public key
 * (hex, what the developer portal shows as PUBLIC KEY).
 * https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface SigningKeys {
  privateKey: KeyObject;
  /** 32 bytes, hex. */
  publicKeyHex: string;
}

export function newSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicKeyHex: Buffer.from(jwk.x ?? '', 'base64url').toString('hex') };
}

export function signature(privateKey: KeyObject, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body, 'utf8'), privateKey).toString('hex');
}

export interface DeliveryOptions {
  /** Unix seconds; default now. A stale one tests the app's replay check. */
  timestamp?: string;
  /** Send a signature that does not verify (Discord sends such requests to check that apps refuse them). */
  badSignature?: boolean;
}

export interface DeliveryAnswer {
  status: number;
  /** Parsed JSON when the app answered JSON, else the text. */
  body: unknown;
}

export async function deliverSigned(
  url: string,
  keys: SigningKeys,
  payload: unknown,
  options: DeliveryOptions = {},
): Promise<DeliveryAnswer> {
  const body = JSON.stringify(payload);
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  let signed = signature(keys.privateKey, timestamp, body);
  if (options.badSignature) signed = signature(keys.privateKey, timestamp, `${body} `);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'Discord-Interactions/1.0 (+https://discord.com)',
      'X-Signature-Ed25519': signed,
      'X-Signature-Timestamp': timestamp,
    },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // Kept as text: the app said JSON and sent something else.
    }
  }
  return { status: response.status, body: parsed };
}
