/**
 * Sign-in by a proxy in front of Baton (oauth2-proxy and the like): it signs
 * people in and names them in X-Forwarded-User / X-Forwarded-Email. Anyone
 * can send those headers, so they are believed only from the configured
 * proxy addresses; from anywhere else they are refused, never ignored, so a
 * misrouted request shows up instead of passing as nobody.
 */
import type { Caller, JsonResult, RequestHead } from '../server.ts';
import type { AddressList } from './address-list.ts';
import { TRUSTED_PROXIES_VARIABLE } from './settings.ts';

export const PROXY_USER_HEADER = 'x-forwarded-user';
export const PROXY_EMAIL_HEADER = 'x-forwarded-email';

export type ProxyIdentity =
  { kind: 'absent' } | { kind: 'person'; caller: Caller; email?: string } | { kind: 'refused'; refusal: JsonResult };

function header(head: RequestHead, name: string): string | undefined {
  const value = head.headers[name];
  const text = (Array.isArray(value) ? value.join(', ') : value)?.trim();
  return text ? text : undefined;
}

/** Who the proxy says the request comes from; `absent` when the request names nobody. */
export function proxyIdentity(head: RequestHead, trusted: AddressList | undefined): ProxyIdentity {
  const user = header(head, PROXY_USER_HEADER);
  const email = header(head, PROXY_EMAIL_HEADER);
  if (user === undefined && email === undefined) return { kind: 'absent' };
  if (!trusted?.includes(head.remoteAddress)) {
    return {
      kind: 'refused',
      refusal: {
        status: 401,
        json: {
          error:
            `Refused: the request names a user in X-Forwarded-User/X-Forwarded-Email, but it comes from ${head.remoteAddress || 'an unknown address'}, which is not a trusted proxy. ` +
            `Baton believes these headers only from the addresses in ${TRUSTED_PROXIES_VARIABLE}${trusted ? ` (${trusted.entries.join(', ')})` : ', which is not set'}. ` +
            "Reach Baton through the proxy, or add the proxy's address there.",
        },
      },
    };
  }
  // Node joins repeated headers with ", ": a proxy that appended its own to a client's would name two people.
  if ((user ?? email ?? '').includes(',')) {
    return {
      kind: 'refused',
      refusal: {
        status: 401,
        json: {
          error:
            'Refused: the request names more than one user in X-Forwarded-User/X-Forwarded-Email. The proxy must replace these headers, not add to them.',
        },
      },
    };
  }
  const name = (user ?? email) as string;
  return { kind: 'person', caller: { name, via: 'proxy' }, ...(email ? { email } : {}) };
}
