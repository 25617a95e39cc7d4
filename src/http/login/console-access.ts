/**
 * Who may use the console. On a loopback address with no login configured it
 * is open, as it always was: whoever can reach this machine's port says who
 * they are. Anywhere else a person must be signed in, by a session cookie
 * (OIDC) or a trusted proxy's header, and is then who that says they are.
 */
import { isIP } from 'node:net';
import { BatonError, ErrorCode } from '../../errors.ts';
import type { RefusalRecorder } from '../access-checks.ts';
import type { AccessCheck, AccessResult, Caller, RequestHead } from '../server.ts';
import { plainAddress, type AddressList } from './address-list.ts';
import { redirect } from './login-pages.ts';
import { proxyIdentity } from './proxy.ts';
import type { SessionCookies } from './session-cookie.ts';
import { HOW_TO_CONFIGURE_LOGIN, loginConfigured, type LoginSettings } from './settings.ts';

export const LOGIN_PATH = '/login';
export const LOGOUT_PATH = '/logout';

/** What the console needs from a login: who is asking, and where they sign out. */
export interface ConsoleSignIn {
  /** The console's API: a signed-in person, or 401 saying to sign in. */
  api: AccessCheck;
  /** The page itself: a browser that is not signed in is sent to sign in. */
  page: AccessCheck;
  /** Where a person signed in this way signs out; none when Baton did not sign them in (a proxy did). */
  signOutPath(via: string): string | undefined;
  /** Records a signed-in person's refused request in the audit log. */
  recordRefusal?: RefusalRecorder;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach them. */
export function isLoopbackHost(host: string): boolean {
  const bare = plainAddress(host.replace(/^\[(.*)\]$/, '$1')).toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/** The console trusts whoever reaches it: only on loopback, and only while no login is configured. */
export function consoleIsOpen(host: string, settings: LoginSettings | undefined): boolean {
  return isLoopbackHost(host) && !loginConfigured(settings);
}

/** Refuses to serve an open console on an address others can reach. */
export function requireConsoleLogin(host: string, settings: LoginSettings | undefined): void {
  if (isLoopbackHost(host) || loginConfigured(settings)) return;
  throw new BatonError(
    ErrorCode.ConfigInvalid,
    `Baton would listen on ${host}, which other machines can reach, and no console login is configured: anyone reaching the port could act as anyone. ` +
      `${HOW_TO_CONFIGURE_LOGIN} Or listen on 127.0.0.1 (--host or BATON_HOST) to use the console without a login.`,
  );
}

export interface PersonSources {
  trustedProxies?: AddressList;
  /** Absent without OIDC: then only a proxy signs people in. */
  sessions?: SessionCookies;
}

const signInFirst: AccessResult = {
  allowed: false,
  refusal: {
    status: 401,
    json: {
      error: `Sign in first: open ${LOGIN_PATH} in a browser. The console acts only for a signed-in person.`,
      signIn: LOGIN_PATH,
    },
  },
};

function personBehind(head: RequestHead, sources: PersonSources): AccessResult {
  const proxied = proxyIdentity(head, sources.trustedProxies);
  if (proxied.kind === 'refused') return { allowed: false, refusal: proxied.refusal };
  if (proxied.kind === 'person') return { allowed: true, caller: proxied.caller };
  const session = sources.sessions?.openSession(head.headers);
  if (session?.ok)
    return {
      allowed: true,
      caller: { name: session.payload.user, via: 'session', expiresAt: session.expiresAt } satisfies Caller,
    };
  return signInFirst;
}

/**
 * "A person who may use the console": signed in by session or trusted proxy,
 * named as config lists name people. 401 otherwise. Other routes (the
 * evidence API) can take it beside a token check.
 */
export function consolePersonAccess(sources: PersonSources): AccessCheck {
  return (head) => personBehind(head, sources);
}

/** For pages: instead of the 401, send the browser to sign in (a refused proxy header stays refused). */
export function consolePageAccess(person: AccessCheck): AccessCheck {
  return async (head) => {
    const result = await person(head);
    if (
      result.allowed ||
      !('json' in result.refusal) ||
      (result.refusal.json as { signIn?: string }).signIn === undefined
    )
      return result;
    return { allowed: false, refusal: redirect(LOGIN_PATH) };
  };
}
