/**
 * The key that signs console session cookies: BATON_SESSION_KEY, or on the
 * embedded engine a key made once in `<data dir>/session.key`, readable by
 * this user only. On Redis every bot must accept the others' cookies, so the
 * key must be given.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatonError, ErrorCode } from '../../errors.ts';
import { parseKey } from '../../secrets-at-rest.ts';
import { SESSION_KEY_VARIABLE } from './settings.ts';

export const SESSION_KEY_FILE = 'session.key';
const KEY_BYTES = 32;

export interface SessionKeySettings {
  /** BATON_SESSION_KEY's value. */
  key?: string;
  dataDir: string;
  /** Several bots (Redis) must share one key: refuse to make one of our own. */
  shared: boolean;
}

async function readKeyFile(path: string): Promise<Buffer> {
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `${path} holds the key that signs console sessions, but other users may read it (mode ${mode.toString(8).padStart(4, '0')}): run \`chmod 600 ${path}\` and start Baton again.`,
    );
  }
  try {
    return parseKey(await readFile(path, 'utf8'), `the key in ${path}`);
  } catch {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `${path} does not hold a ${KEY_BYTES}-byte key (base64 or hex). Delete it to have Baton make a new one (everyone signed in to the console signs in again), or set ${SESSION_KEY_VARIABLE}.`,
    );
  }
}

export async function loadSessionKey(settings: SessionKeySettings): Promise<Buffer> {
  if (settings.key) return parseKey(settings.key, SESSION_KEY_VARIABLE);
  if (settings.shared) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `${SESSION_KEY_VARIABLE} is not set. On Redis, several Baton bots may serve the console and each must accept the session cookies the others sign: ` +
        `make a key with \`openssl rand -base64 32\`, keep it in your secret store, and set ${SESSION_KEY_VARIABLE} to it for every bot.`,
    );
  }
  const path = join(settings.dataDir, SESSION_KEY_FILE);
  await mkdir(settings.dataDir, { recursive: true });
  try {
    await writeFile(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Already there (made at an earlier start, or by another process just now): use it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKeyFile(path);
}
