/** The OIDC routes against a real provider, without a browser: the redirect, its cookie, and callbacks that must fail. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLogin } from '../../../src/http/login/console-login.ts';
import { registerLoginRoutes } from '../../../src/http/login/login-routes.ts';
import type { OidcLogin } from '../../../src/http/login/oidc.ts';
import { SessionCookies } from '../../../src/http/login/session-cookie.ts';
import { loginSettingsFrom } from '../../../src/http/login/settings.ts';
import { createHttpServer, type HttpServer } from '../../../src/http/server.ts';
import { startOidcProvider, type RunningProvider } from '../../support/oidc-provider.ts';
import { silentLogger } from '../../support/silent-logger.ts';
import { TestClock } from '../../support/test-clock.ts';

const PUBLIC_URL = 'https://baton.example.com';
let provider: RunningProvider;
let server: HttpServer;
let url: string;
const clock = new TestClock();

beforeAll(async () => {
  provider = await startOidcProvider({ redirectUri: `${PUBLIC_URL}/login/callback`, accounts: {} });
  server = createHttpServer({ host: '127.0.0.1', port: 0, logger: { error: () => {} } });
  const settings = loginSettingsFrom({
    BATON_OIDC_ISSUER: provider.issuer,
    BATON_OIDC_CLIENT_ID: provider.clientId,
    BATON_OIDC_CLIENT_SECRET: provider.clientSecret,
    BATON_PUBLIC_URL: PUBLIC_URL,
    BATON_OIDC_ALLOWED_GROUPS: 'deployers',
  });
  await createConsoleLogin(settings, {
    server,
    dataDir: await mkdtemp(join(tmpdir(), 'baton-oidc-')),
    shared: false,
    clock,
    log: silentLogger,
  });
  ({ url } = await server.listen());
});

afterAll(async () => {
  await server?.close();
  await provider?.close();
});

describe('OIDC sign-in routes', () => {
  it('sends the browser to the provider with PKCE, state and nonce, and a Secure cookie behind an https public URL', async () => {
    const response = await fetch(`${url}/login`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin).toBe(provider.issuer);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: provider.clientId,
      redirect_uri: `${PUBLIC_URL}/login/callback`,
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
    });
    expect(response.headers.get('set-cookie')).toMatch(
      /^baton_login=[\w-]+\.[\w-]+; Path=\/login; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it('refuses a callback without the login cookie, or with one that was changed or is too old', async () => {
    const started = await fetch(`${url}/login`, { redirect: 'manual' });
    const cookie = (started.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const state = new URL(started.headers.get('location') ?? '').searchParams.get('state');
    const callback = (headers: Record<string, string>) =>
      fetch(`${url}/login/callback?code=abc&state=${state}&iss=${encodeURIComponent(provider.issuer)}`, { headers });

    for (const headers of [{}, { cookie: `${cookie.slice(0, -3)}xyz` }] as Record<string, string>[]) {
      const response = await callback(headers);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('This sign-in has expired');
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    clock.advance(11 * 60_000);
    expect((await callback({ cookie })).status).toBe(400);
  });

  it('signs out by clearing the session cookie', async () => {
    const response = await fetch(`${url}/logout`);
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBe(
      '__Host-baton_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    );
  });
});

describe('a finished sign-in', () => {
  it('sets the session and clears the spent login cookie, in two Set-Cookie headers', async () => {
    const sessions = new SessionCookies({ key: Buffer.alloc(32, 3), secure: true, ttlMs: 3_600_000, clock });
    const login: OidcLogin = {
      begin: () =>
        Promise.resolve({
          location: 'https://login.example.com/authorize',
          cookie: sessions.issueLogin({ state: 's', nonce: 'n', codeVerifier: 'v' }),
        }),
      finish: () => Promise.resolve({ ok: true, session: { user: 'alice@example.com' } }),
    };
    const routes = createHttpServer({ host: '127.0.0.1', port: 0, logger: { error: () => {} } });
    registerLoginRoutes(routes, {
      oidc: { login, sessions, issuer: new URL('https://login.example.com') },
      log: silentLogger,
    });
    const { url: base } = await routes.listen();
    try {
      const response = await fetch(`${base}/login/callback?code=abc&state=s`, { redirect: 'manual' });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/');
      const [session, spentLogin, ...rest] = response.headers.getSetCookie();
      expect(rest).toEqual([]);
      expect(session).toMatch(
        /^__Host-baton_session=[\w-]+\.[\w-]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/,
      );
      expect(spentLogin).toBe('baton_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Lax; Secure');
    } finally {
      await routes.close();
    }
  });
});

describe('the name claim', () => {
  it('warns at start that preferred_username is not unique, and what to prefer', async () => {
    const warnings: string[] = [];
    const log = { warn: (_details: object, message: string) => warnings.push(message) };
    const env = {
      BATON_OIDC_ISSUER: 'https://login.example.com',
      BATON_OIDC_CLIENT_ID: 'x',
      BATON_OIDC_CLIENT_SECRET: 'y',
      BATON_PUBLIC_URL: PUBLIC_URL,
      BATON_OIDC_ALLOWED_DOMAINS: 'example.com',
    };
    const start = async (extra: Record<string, string>) =>
      createConsoleLogin(loginSettingsFrom({ ...env, ...extra }), {
        server: createHttpServer({ host: '127.0.0.1', port: 0 }),
        dataDir: await mkdtemp(join(tmpdir(), 'baton-oidc-')),
        shared: false,
        clock,
        log,
      });
    await start({});
    await start({ BATON_OIDC_USERNAME_CLAIM: 'sub' });
    expect(warnings).toEqual([]);
    await start({ BATON_OIDC_USERNAME_CLAIM: 'preferred_username' });
    expect(warnings).toEqual([
      expect.stringMatching(
        /BATON_OIDC_USERNAME_CLAIM is "preferred_username", which OIDC does not guarantee to be unique.*Prefer the verified email/,
      ),
    ]);
  });
});

describe('an unreachable provider', () => {
  it('shows a page that says so and what to check', async () => {
    const unreachable = createHttpServer({ host: '127.0.0.1', port: 0, logger: { error: () => {} } });
    await createConsoleLogin(
      loginSettingsFrom({
        BATON_OIDC_ISSUER: 'http://127.0.0.1:1',
        BATON_OIDC_CLIENT_ID: 'x',
        BATON_OIDC_CLIENT_SECRET: 'y',
        BATON_PUBLIC_URL: PUBLIC_URL,
        BATON_OIDC_ALLOWED_DOMAINS: 'example.com',
      }),
      {
        server: unreachable,
        dataDir: await mkdtemp(join(tmpdir(), 'baton-oidc-')),
        shared: false,
        clock,
        log: silentLogger,
      },
    );
    const { url: base } = await unreachable.listen();
    try {
      const response = await fetch(`${base}/login`, { redirect: 'manual' });
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).toContain('Baton could not reach http://127.0.0.1:1/ to start the sign-in');
      expect(text).toContain('BATON_OIDC_ISSUER');
    } finally {
      await unreachable.close();
    }
  });
});
