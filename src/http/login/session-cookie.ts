/**
 * The console's cookies: the session (who signed in, until when) and the
 * short-lived one that carries an OIDC login from /login to its callback
 * (state, nonce, PKCE verifier). Both are signed tokens the browser keeps, so
 * any bot can finish a login another one began, and nothing is kept in memory.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../core/capabilities.ts';
import { openToken, signToken, type Opened } from './signed-token.ts';

export const SESSION_COOKIE = 'baton_session';
/**
 * The session's name behind https: browsers accept a `__Host-` cookie only
 * with Secure, Path=/ and no Domain, so a neighbouring host
 * (evil.example.com) cannot set one that baton.example.com would receive.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const LOGIN_COOKIE = 'baton_login';
/** Long enough to type a password and answer a second factor; short enough that a stolen one is stale. */
export const LOGIN_TTL_MS = 10 * 60_000;

export interface ConsoleSession {
  user: string;
  email?: string;
}

export interface LoginInProgress {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface SessionCookieOptions {
  key: Buffer;
  /** Send the cookies over https only: set when Baton's public URL is https. */
  secure: boolean;
  ttlMs: number;
  clock: Clock;
}

/** Every value a cookie of that name has in the request's Cookie header(s); a browser sends several when cookies of one name differ in path or domain. */
export function readCookies(headers: IncomingHttpHeaders, name: string): string[] {
  const values: string[] = [];
  for (const pair of (headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) values.push(pair.slice(separator + 1).trim());
  }
  return values;
}

/** One cookie's value from the request's Cookie header(s): the first, as browsers send the most specific first. */
export function readCookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  return readCookies(headers, name)[0];
}

export class SessionCookies {
  /** The session cookie's name: `__Host-baton_session` behind https, `baton_session` on plain http (where the prefix is refused). */
  readonly sessionCookie: string;

  constructor(private readonly options: SessionCookieOptions) {
    this.sessionCookie = options.secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  }

  /** A Set-Cookie value that signs `session` in until the session time is up. */
  issueSession(session: ConsoleSession): string {
    const expiresAt = this.options.clock.now().getTime() + this.options.ttlMs;
    return this.cookie(
      this.sessionCookie,
      signToken(this.options.key, 'session', session, expiresAt),
      '/',
      this.options.ttlMs,
    );
  }

  /**
   * The session the request carries, checked: signature, purpose and expiry.
   * Two session cookies mean someone else set one (cookie tossing from a
   * neighbouring host, or a browser without `__Host-`): neither is believed.
   */
  openSession(headers: IncomingHttpHeaders): Opened<ConsoleSession> | { ok: false; reason: 'duplicate' } | undefined {
    const values = readCookies(headers, this.sessionCookie);
    if (values.length > 1) return { ok: false, reason: 'duplicate' };
    const value = values[0];
    if (value === undefined || value === '') return undefined;
    const opened = openToken<ConsoleSession>(this.options.key, 'session', value, this.options.clock.now().getTime());
    if (opened.ok && (typeof opened.payload?.user !== 'string' || opened.payload.user === ''))
      return { ok: false, reason: 'malformed' };
    return opened;
  }

  readSession(headers: IncomingHttpHeaders): ConsoleSession | undefined {
    const opened = this.openSession(headers);
    return opened?.ok ? opened.payload : undefined;
  }

  clearSession(): string {
    return this.cookie(this.sessionCookie, '', '/', 0);
  }

  issueLogin(login: LoginInProgress): string {
    const expiresAt = this.options.clock.now().getTime() + LOGIN_TTL_MS;
    // Only the callback needs it; Lax still sends it on the provider's redirect back (a top-level GET).
    return this.cookie(LOGIN_COOKIE, signToken(this.options.key, 'login', login, expiresAt), '/login', LOGIN_TTL_MS);
  }

  /** Ends the login in progress once its callback is done: it is good for one sign-in only. */
  clearLogin(): string {
    return this.cookie(LOGIN_COOKIE, '', '/login', 0);
  }

  readLogin(headers: IncomingHttpHeaders): Opened<LoginInProgress> | undefined {
    const value = readCookie(headers, LOGIN_COOKIE);
    if (value === undefined || value === '') return undefined;
    return openToken<LoginInProgress>(this.options.key, 'login', value, this.options.clock.now().getTime());
  }

  private cookie(name: string, value: string, path: string, maxAgeMs: number): string {
    const attributes = [
      `${name}=${value}`,
      `Path=${path}`,
      `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
      'HttpOnly',
      'SameSite=Lax',
    ];
    if (this.options.secure) attributes.push('Secure');
    return attributes.join('; ');
  }
}
