/** The console's signed cookies: what is refused (tampered, expired, another key, another purpose) and the attributes sent. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE, SessionCookies } from '../../../src/http/login/session-cookie.ts';
import { openToken, signToken } from '../../../src/http/login/signed-token.ts';
import { TestClock } from '../../support/test-clock.ts';

const HOUR = 3_600_000;

function cookies(options: { key?: Buffer; secure?: boolean; clock?: TestClock } = {}) {
  return new SessionCookies({
    key: options.key ?? Buffer.alloc(32, 7),
    secure: options.secure ?? false,
    ttlMs: 12 * HOUR,
    clock: options.clock ?? new TestClock(),
  });
}

/** The Cookie header a browser would send back for a Set-Cookie value. */
function sentBack(setCookie: string): { cookie: string } {
  return { cookie: `other=1; ${setCookie.split(';')[0] ?? ''}` };
}

describe('session cookies', () => {
  it('gives back the session it issued, with HttpOnly, SameSite=Lax, Path=/ and the lifetime', () => {
    const jar = cookies();
    const setCookie = jar.issueSession({ user: 'alice', email: 'alice@example.com' });
    expect(setCookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[\\w-]+\\.[\\w-]+; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax$`),
    );
    expect(jar.readSession(sentBack(setCookie))).toEqual({ user: 'alice', email: 'alice@example.com' });
  });

  it('marks the cookies Secure when Baton is served over https, and names the session __Host- (Path=/, no Domain)', () => {
    const jar = cookies({ secure: true });
    const setCookie = jar.issueSession({ user: 'alice' });
    expect(setCookie).toMatch(
      /^__Host-baton_session=[\w-]+\.[\w-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(jar.readSession(sentBack(setCookie))).toEqual({ user: 'alice' });
    // The plain name is not read behind https: a neighbouring host could have set it.
    expect(
      jar.readSession({ cookie: `${SESSION_COOKIE}=${(setCookie.split(';')[0] ?? '').split('=')[1]}` }),
    ).toBeUndefined();
    expect(jar.issueLogin({ state: 's', nonce: 'n', codeVerifier: 'v' })).toMatch(/; Secure$/);
    expect(jar.clearSession()).toBe(`${SECURE_SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure`);
  });

  it('believes neither of two session cookies (one tossed in by a neighbouring host)', () => {
    for (const secure of [true, false]) {
      const jar = cookies({ secure });
      const mine = jar.issueSession({ user: 'alice' }).split(';')[0] ?? '';
      const tossed = jar.issueSession({ user: 'mallory' }).split(';')[0] ?? '';
      expect(jar.readSession({ cookie: mine })).toEqual({ user: 'alice' });
      expect(jar.openSession({ cookie: `${tossed}; ${mine}` })).toEqual({ ok: false, reason: 'duplicate' });
      expect(jar.readSession({ cookie: `${mine}; other=1; ${mine}` })).toBeUndefined();
    }
  });

  it('refuses a session whose payload was changed', () => {
    const jar = cookies();
    const [name, value = ''] = (jar.issueSession({ user: 'alice' }).split(';')[0] ?? '').split('=');
    const [body = '', mac = ''] = value.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('alice', 'bobby')).toString(
      'base64url',
    );
    expect(jar.openSession({ cookie: `${name}=${forged}.${mac}` })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(jar.openSession({ cookie: `${name}=${body}.${mac.slice(0, -2)}` })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(jar.openSession({ cookie: `${name}=${body}` })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a session once it has expired, by the server clock, not the browser', () => {
    const clock = new TestClock();
    const jar = cookies({ clock });
    const header = sentBack(jar.issueSession({ user: 'alice' }));
    clock.advance(12 * HOUR - 60_000);
    expect(jar.readSession(header)).toEqual({ user: 'alice' });
    clock.advance(60_000);
    expect(jar.openSession(header)).toEqual({ ok: false, reason: 'expired' });
    expect(jar.readSession(header)).toBeUndefined();
  });

  it('refuses a session signed with another key', () => {
    const header = sentBack(cookies({ key: randomBytes(32) }).issueSession({ user: 'alice' }));
    expect(cookies({ key: randomBytes(32) }).openSession(header)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('never takes a login in progress for a session', () => {
    const jar = cookies();
    const login = (jar.issueLogin({ state: 's', nonce: 'n', codeVerifier: 'v' }).split(';')[0] ?? '').split('=')[1];
    expect(jar.openSession({ cookie: `${SESSION_COOKIE}=${login}` })).toEqual({ ok: false, reason: 'wrong-purpose' });
  });

  it('keeps a login in progress for ten minutes, on the callback path only', () => {
    const clock = new TestClock();
    const jar = cookies({ clock });
    const setCookie = jar.issueLogin({ state: 's', nonce: 'n', codeVerifier: 'v' });
    expect(setCookie).toContain('; Path=/login; Max-Age=600; HttpOnly; SameSite=Lax');
    expect(jar.readLogin(sentBack(setCookie))).toEqual({
      ok: true,
      payload: { state: 's', nonce: 'n', codeVerifier: 'v' },
      expiresAt: expect.any(Number),
    });
    clock.advance(600_000);
    expect(jar.readLogin(sentBack(setCookie))).toEqual({ ok: false, reason: 'expired' });
    expect(jar.clearLogin()).toBe('baton_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Lax');
  });

  it('reads no session from a request without the cookie', () => {
    expect(cookies().openSession({})).toBeUndefined();
    expect(cookies().openSession({ cookie: `${SESSION_COOKIE}=` })).toBeUndefined();
  });
});

describe('signed tokens', () => {
  it('refuses a signature of another length without comparing it', () => {
    const key = Buffer.alloc(32, 1);
    const expiresAt = Date.now() + 1000;
    const token = signToken(key, 'x', { a: 1 }, expiresAt);
    expect(openToken(key, 'x', `${token}AA`, Date.now())).toEqual({ ok: false, reason: 'bad-signature' });
    expect(openToken(key, 'x', token, Date.now())).toEqual({ ok: true, payload: { a: 1 }, expiresAt });
  });
});
