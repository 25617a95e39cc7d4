/**
 * The key that signs console session cookies: BATON_SESSION_KEY, or on the
 * embedded engine a key made once in `<data dir>/session.key`, readable by
 * this user only. On Redis every bot must accept the others' cookies, so the
 * key must be given.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BatonError, ErrorCode } from '../../errors.ts';
import { createKeyFile, parseKey, readKeyFile } from '../../secrets-at-rest.ts';
import { SESSION_KEY_VARIABLE } from './settings.ts';

export const SESSION_KEY_FILE = 'session.key';

export interface SessionKeySettings {
  /** BATON_SESSION_KEY's value. */
  key?: string;
  dataDir: string;
  /** Several bots (Redis) must share one key: refuse to make one of our own. */
  shared: boolean;
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
  await createKeyFile(path);
  return readKeyFile(
    path,
    'signs console sessions',
    `Delete it to have Baton make a new one (everyone signed in to the console signs in again), or set ${SESSION_KEY_VARIABLE}.`,
  );
}
