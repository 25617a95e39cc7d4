/**
 * API tokens from the environment: a file (BATON_API_TOKENS_FILE) or the same
 * text inline (BATON_API_TOKENS), and the older single BATON_API_TOKEN, which
 * still works as a token named after it that may only register releases.
 */
import { readFileSync } from 'node:fs';
import { BatonError, ErrorCode, errorMessage } from '../errors.ts';
import { hashApiToken, parseApiTokens, type ApiTokenEntry } from './api-tokens.ts';

export const LEGACY_TOKEN_NAME = 'BATON_API_TOKEN';

export const LEGACY_TOKEN_WARNING =
  'BATON_API_TOKEN is deprecated and may only register releases (scope releases:write). Move to a token file: run `baton token create ci --scope releases:write`, put the entry it prints in a file named by BATON_API_TOKENS_FILE, give CI the new token, and unset BATON_API_TOKEN.';

/** The entries listed in BATON_API_TOKENS_FILE or BATON_API_TOKENS; none when neither is set. */
export function apiTokensFrom(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ApiTokenEntry[] {
  const path = env.BATON_API_TOKENS_FILE?.trim();
  const inline = env.BATON_API_TOKENS?.trim();
  if (path && inline) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      'Both BATON_API_TOKENS_FILE and BATON_API_TOKENS are set: Baton reads its tokens from one place. Unset one of them.',
    );
  }
  if (inline) return parseApiTokens(inline, 'BATON_API_TOKENS');
  if (!path) return [];
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `Cannot read the token file ${path} (BATON_API_TOKENS_FILE): ${errorMessage(error)}. Fix the path, or unset BATON_API_TOKENS_FILE to run without API tokens.`,
      { cause: error },
    );
  }
  return parseApiTokens(text, `BATON_API_TOKENS_FILE (${path})`);
}

/** The old single token as an entry of its own: it keeps the one power it always had. */
export function legacyApiTokenEntry(token: string, others: readonly ApiTokenEntry[]): ApiTokenEntry {
  if (others.some((entry) => entry.name === LEGACY_TOKEN_NAME)) {
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      `The token file has an entry named ${LEGACY_TOKEN_NAME} and BATON_API_TOKEN is set too. Unset BATON_API_TOKEN, or rename the entry.`,
    );
  }
  return { name: LEGACY_TOKEN_NAME, scopes: ['releases:write'], sha256: hashApiToken(token) };
}
