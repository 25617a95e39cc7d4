/**
 * The key that keeps sensitive outputs encrypted at rest (AES-256-GCM): from
 * BATON_ENCRYPTION_KEY or, on the embedded engine, a key file made once in
 * the data folder.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENCRYPTED_PREFIX } from './core/outputs-at-rest.ts';
import type { OutputCipher } from './core/capabilities.ts';
import { BatonError, ErrorCode } from './errors.ts';

export const KEY_VARIABLE = 'BATON_ENCRYPTION_KEY';
/** The key being replaced, while outputs written with it are still read. */
export const PREVIOUS_KEY_VARIABLE = 'BATON_ENCRYPTION_KEY_PREVIOUS';
export const KEY_FILE = 'encryption.key';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HOW_TO_MAKE_ONE = 'make one with `openssl rand -base64 32`';

/** A key, and how to name it in a message without showing it. */
export interface EncryptionKey {
  bytes: Buffer;
  source: string;
}

/** 32 bytes written as hex or base64 (standard or URL-safe); throws a message naming `source`, never the text. */
export function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (bytes?.length === KEY_BYTES) return bytes;
  throw new BatonError(
    ErrorCode.ConfigInvalid,
    `${source} is not a ${KEY_BYTES}-byte key written as base64 (44 characters) or hex (64 characters): ${HOW_TO_MAKE_ONE}.`,
  );
}

export class AesOutputCipher implements OutputCipher {
  private readonly keys: EncryptionKey[];

  /** Encrypts with `key`; decrypts with it or, while keys are being changed, with `previous`. */
  constructor(
    private readonly key: EncryptionKey,
    previous: EncryptionKey[] = [],
  ) {
    this.keys = [key, ...previous];
  }

  encrypt(value: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key.bytes, iv);
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${ENCRYPTED_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  decrypt(envelope: string): string {
    if (!envelope.startsWith(ENCRYPTED_PREFIX))
      throw new Error(`it is not a value this version of Baton encrypted (it does not start with ${ENCRYPTED_PREFIX})`);
    const packed = Buffer.from(envelope.slice(ENCRYPTED_PREFIX.length), 'base64url');
    if (packed.length < IV_BYTES + TAG_BYTES) throw new Error('the stored value is cut short');
    const iv = packed.subarray(0, IV_BYTES);
    const tag = packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const ciphertext = packed.subarray(IV_BYTES + TAG_BYTES);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv(ALGORITHM, key.bytes, iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // The tag does not match this key: try the next, if any.
      }
    }
    const tried =
      this.keys.length > 1 ? `neither ${this.keys.map((k) => k.source).join(' nor ')} is` : `${this.key.source} is not`;
    throw new Error(
      `${tried} the key it was written with: start Baton with that key (${PREVIOUS_KEY_VARIABLE} can hold it while you change keys)`,
    );
  }
}

/**
 * A key Baton keeps in a file of its own: readable by its owner only, and a
 * key at all. `holds` says what the key is for; `otherwise` what to do when
 * the file holds no key.
 */
export async function readKeyFile(path: string, holds: string, otherwise: string): Promise<Buffer> {
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `${path} holds the key that ${holds}, but other users may read it (mode ${mode.toString(8).padStart(4, '0')}): run \`chmod 600 ${path}\` and start Baton again.`,
    );
  }
  try {
    return parseKey(await readFile(path, 'utf8'), `the key in ${path}`);
  } catch {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `${path} does not hold a ${KEY_BYTES}-byte key (base64 or hex). ${otherwise}`,
    );
  }
}

/** A new key file, written where only this user can read it, unless one is there (made earlier, or by another process just now). */
export async function createKeyFile(path: string): Promise<void> {
  try {
    await writeFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

async function readOutputKeyFile(path: string): Promise<EncryptionKey> {
  const bytes = await readKeyFile(
    path,
    'encrypts sensitive outputs',
    `Restore it from a backup, or set ${KEY_VARIABLE} to the key the data was written with. Deleting it makes Baton create a new key, and sensitive outputs recorded with the old one can then no longer be read.`,
  );
  return { bytes, source: `the key in ${path}` };
}

export interface KeySettings {
  /** BATON_ENCRYPTION_KEY's value; empty counts as unset. */
  key?: string;
  /** BATON_ENCRYPTION_KEY_PREVIOUS's value, while keys are being changed. */
  previousKey?: string;
  dataDir: string;
  /**
   * Without a key: `create` the key file in the data folder (embedded engine),
   * `read` it if it is there (a look at the records, such as `baton plan`), or
   * `require` the variable (Redis, where every bot and worker must share the key).
   */
  withoutKey: 'create' | 'read' | 'require';
}

/** The cipher for a process, or an error saying how to give it a key. */
export async function loadOutputCipher(settings: KeySettings): Promise<AesOutputCipher> {
  const previous = settings.previousKey
    ? [{ bytes: parseKey(settings.previousKey, PREVIOUS_KEY_VARIABLE), source: PREVIOUS_KEY_VARIABLE }]
    : [];
  if (settings.key)
    return new AesOutputCipher({ bytes: parseKey(settings.key, KEY_VARIABLE), source: KEY_VARIABLE }, previous);
  if (settings.withoutKey === 'require') {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `${KEY_VARIABLE} is not set. On Redis, Baton encrypts sensitive step outputs with it and every bot and worker must share it: ` +
        `${HOW_TO_MAKE_ONE}, keep it in your secret store, and set ${KEY_VARIABLE} for every bot and worker.`,
    );
  }
  const path = join(settings.dataDir, KEY_FILE);
  const existing = await stat(path).catch(() => undefined);
  if (!existing && settings.withoutKey === 'create') await createKeyFile(path);
  if (existing || settings.withoutKey === 'create') return new AesOutputCipher(await readOutputKeyFile(path), previous);
  return new AesOutputCipher(
    { bytes: randomBytes(KEY_BYTES), source: `a throwaway key (${KEY_VARIABLE} is not set and there is no ${path})` },
    previous,
  );
}

/** A cipher with a key of its own, for tests and benchmarks that keep nothing. */
export function throwawayCipher(): AesOutputCipher {
  return new AesOutputCipher({ bytes: randomBytes(KEY_BYTES), source: 'a throwaway key' });
}
