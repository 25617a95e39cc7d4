/** The audit trail's keys, from the environment: a chain key for HMAC seals and an Ed25519 key that signs evidence. */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { AuditKeys } from './core/audit.ts';
import { BatonError, ErrorCode } from './errors.ts';

/** Shorter keys are guessable; 32 bytes is what HMAC-SHA-256 uses in full. */
const MIN_CHAIN_KEY_BYTES = 32;

function chainKeyFrom(text: string): Buffer {
  const key = Buffer.from(text, 'utf8');
  if (key.length < MIN_CHAIN_KEY_BYTES) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `BATON_AUDIT_KEY is ${key.length} bytes long; it needs at least ${MIN_CHAIN_KEY_BYTES}. Make one with \`openssl rand -base64 32\` and keep it as safe as the data it protects.`,
    );
  }
  return key;
}

function signingKeyFrom(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(
      text.includes('-----BEGIN') ? text : { key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' },
    );
  } catch (error) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      'BATON_SIGNING_KEY is not a private key Baton can read: give an Ed25519 private key in PEM (PKCS#8), e.g. from `openssl genpkey -algorithm ed25519`.',
      { cause: error },
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `BATON_SIGNING_KEY is an ${key.asymmetricKeyType ?? 'unknown'} key; evidence is signed with Ed25519: make one with \`openssl genpkey -algorithm ed25519\`.`,
    );
  }
  return key;
}

export function auditKeysFrom(env: NodeJS.ProcessEnv): AuditKeys {
  const chain = env.BATON_AUDIT_KEY ? chainKeyFrom(env.BATON_AUDIT_KEY) : undefined;
  const signing = env.BATON_SIGNING_KEY ? signingKeyFrom(env.BATON_SIGNING_KEY) : undefined;
  return { ...(chain ? { chain } : {}), ...(signing ? { signing } : {}) };
}
