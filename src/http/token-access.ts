/** The access check for a route that takes an API token with one scope: `Authorization: Bearer <token>`. */
import type { ApiScope, ApiTokenSet } from './api-tokens.ts';
import type { AccessCheck, AccessResult } from './server.ts';

function refused(status: number, error: string, headers?: Record<string, string>): AccessResult {
  return { allowed: false, refusal: { status, json: { error }, ...(headers ? { headers } : {}) } };
}

function howToCreate(scope: ApiScope): string {
  return `An operator creates one with \`baton token create <name> --scope ${scope}\` and adds the entry it prints to the file named by BATON_API_TOKENS_FILE.`;
}

/** The bearer token of a request, if it sent one in the usual form. */
function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
}

/**
 * Admits a request whose bearer token is in `tokens` and has `scope`. Refuses with 401 when
 * no token or an unknown one is sent, 403 when the token lacks the scope, 503 when there are
 * no tokens at all; each refusal says what to do.
 */
export function requireScope(tokens: ApiTokenSet, scope: ApiScope): AccessCheck {
  return ({ headers }) => {
    if (tokens.size === 0) {
      return refused(503, `This API is off: Baton has no API tokens. ${howToCreate(scope)}`);
    }
    const given = bearerToken(headers.authorization);
    if (given === undefined) {
      return refused(
        401,
        `This needs an API token with the scope ${scope}, sent as "Authorization: Bearer <token>". ${howToCreate(scope)}`,
        { 'www-authenticate': 'Bearer' },
      );
    }
    const entry = tokens.find(given);
    if (!entry) {
      return refused(
        401,
        `Baton does not know this API token: it is mistyped, or its entry was removed from the token file. Send a token listed there. ${howToCreate(scope)}`,
        {
          'www-authenticate': 'Bearer error="invalid_token"',
        },
      );
    }
    const caller = { name: entry.name, via: 'token', scopes: entry.scopes };
    if (!entry.scopes.includes(scope)) {
      return {
        ...refused(
          403,
          `The API token "${entry.name}" lacks the scope ${scope} (it has ${entry.scopes.join(', ')}). Add ${scope} to its scopes in the token file and restart Baton, or use a token that has it.`,
          { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
        ),
        caller,
      };
    }
    return { allowed: true, caller };
  };
}
