/** `baton token create`: a new API token, shown once, and the entry that lets Baton recognise it. */
import { UsageError } from './errors.ts';
import {
  API_SCOPES,
  apiTokenFileEntry,
  hashApiToken,
  isApiScope,
  isApiTokenName,
  newApiToken,
  type ApiScope,
} from './http/api-tokens.ts';

export interface CreatedToken {
  token: string;
  text: string;
}

export function createTokenFromCommandLine(name: string, scopes: readonly string[]): CreatedToken {
  if (!isApiTokenName(name)) {
    throw new UsageError(
      `"${name}" is not a token name: use 1 to 64 letters, digits and . _ - (starting with a letter or digit), e.g. "ci" or "auditor".`,
    );
  }
  const unknown = scopes.filter((scope) => !isApiScope(scope));
  if (unknown.length > 0 || scopes.length === 0) {
    const what =
      unknown.length > 0 ? `Unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}` : 'Name at least one scope';
    throw new UsageError(
      `${what}: pass --scope with one or more of ${API_SCOPES.join(', ')}, e.g. baton token create ${name} --scope releases:write`,
    );
  }
  const token = newApiToken();
  const entry = { name, scopes: [...new Set(scopes as ApiScope[])], sha256: hashApiToken(token) };
  const text = [
    `New API token "${name}" (${entry.scopes.join(', ')}). It is shown only this once; Baton keeps only its SHA-256. Store it now, e.g. as a CI secret:`,
    '',
    token,
    '',
    'Add this entry under "tokens:" in the file named by BATON_API_TOKENS_FILE (or BATON_API_TOKENS), then restart Baton:',
    '',
    apiTokenFileEntry(entry),
    '',
    `Send it as "Authorization: Bearer <token>".`,
    '',
  ].join('\n');
  return { token, text };
}
