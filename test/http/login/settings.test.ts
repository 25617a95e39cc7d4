/** Login settings from the environment: defaults, and errors that name the variable and say what to set. */
import { mkdtemp, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleIsOpen, isLoopbackHost, requireConsoleLogin } from '../../../src/http/login/console-access.ts';
import { loadSessionKey } from '../../../src/http/login/session-key.ts';
import {
  loginConfigured,
  loginSettingsFrom,
  oidcWarnings,
  type OidcSettings,
} from '../../../src/http/login/settings.ts';

const OIDC = {
  BATON_OIDC_ISSUER: 'https://login.example.com/realms/acme',
  BATON_OIDC_CLIENT_ID: 'baton',
  BATON_OIDC_CLIENT_SECRET: 's3cret',
  BATON_PUBLIC_URL: 'https://baton.example.com',
  BATON_OIDC_ALLOWED_DOMAINS: 'example.com, @acme.io',
};

describe('loginSettingsFrom', () => {
  it('configures nothing when nothing is set', () => {
    const settings = loginSettingsFrom({});
    expect(settings).toEqual({ sessionTtlMs: 12 * 3_600_000 });
    expect(loginConfigured(settings)).toBe(false);
  });

  it('reads OIDC with its defaults', () => {
    const settings = loginSettingsFrom({
      ...OIDC,
      BATON_SESSION_TTL: '8h',
      BATON_OIDC_ALLOWED_GROUPS: 'deployers sre',
    });
    expect(settings.oidc).toEqual({
      issuer: new URL(OIDC.BATON_OIDC_ISSUER),
      clientId: 'baton',
      clientSecret: 's3cret',
      publicUrl: new URL('https://baton.example.com/'),
      scopes: ['openid', 'profile', 'email'],
      allowedDomains: ['example.com', 'acme.io'],
      allowedGroups: ['deployers', 'sre'],
      groupsClaim: 'groups',
      usernameClaim: 'email',
      trustUnverifiedEmail: false,
    });
    expect(settings.sessionTtlMs).toBe(8 * 3_600_000);
    expect(loginConfigured(settings)).toBe(true);
    expect(oidcWarnings(settings.oidc as OidcSettings)).toEqual([]);
  });

  it('reads the name claim and trusting unverified emails, and warns about each risky choice', () => {
    const oidc = (env: Record<string, string>) => loginSettingsFrom({ ...OIDC, ...env }).oidc as OidcSettings;
    expect(oidc({ BATON_OIDC_USERNAME_CLAIM: 'upn' })).toMatchObject({
      usernameClaim: 'upn',
      trustUnverifiedEmail: false,
    });
    expect(oidcWarnings(oidc({ BATON_OIDC_USERNAME_CLAIM: 'sub' }))).toEqual([]);
    for (const claim of ['preferred_username', 'name']) {
      const [warning, ...rest] = oidcWarnings(oidc({ BATON_OIDC_USERNAME_CLAIM: claim }));
      expect(rest).toEqual([]);
      expect(warning).toContain(`BATON_OIDC_USERNAME_CLAIM is "${claim}", which OIDC does not guarantee to be unique`);
      expect(warning).toContain('Prefer the verified email (leave BATON_OIDC_USERNAME_CLAIM unset), "sub"');
    }
    expect(oidc({ BATON_OIDC_TRUST_UNVERIFIED_EMAIL: 'TRUE' }).trustUnverifiedEmail).toBe(true);
    expect(oidc({ BATON_OIDC_TRUST_UNVERIFIED_EMAIL: 'false' }).trustUnverifiedEmail).toBe(false);
    expect(oidcWarnings(oidc({ BATON_OIDC_TRUST_UNVERIFIED_EMAIL: 'true' }))).toEqual([
      expect.stringContaining('BATON_OIDC_TRUST_UNVERIFIED_EMAIL is true'),
    ]);
    expect(() => oidc({ BATON_OIDC_TRUST_UNVERIFIED_EMAIL: 'yes' })).toThrow(
      'BATON_OIDC_TRUST_UNVERIFIED_EMAIL must be true or false, not "yes".',
    );
  });

  it('names what is missing from a half-done OIDC setup', () => {
    expect(() => loginSettingsFrom({ BATON_OIDC_ISSUER: OIDC.BATON_OIDC_ISSUER })).toThrow(
      'Sign-in with OIDC is half configured: BATON_OIDC_CLIENT_ID, BATON_OIDC_CLIENT_SECRET, BATON_PUBLIC_URL are not set.',
    );
  });

  it('needs an allowed domain or group, so that not everyone with an account at the provider gets in', () => {
    const { BATON_OIDC_ALLOWED_DOMAINS: _, ...withoutDomains } = OIDC;
    expect(() => loginSettingsFrom(withoutDomains)).toThrow(
      'needs BATON_OIDC_ALLOWED_DOMAINS (email domains, e.g. example.com) or BATON_OIDC_ALLOWED_GROUPS',
    );
  });

  it('refuses bad values, naming the variable', () => {
    expect(() => loginSettingsFrom({ ...OIDC, BATON_OIDC_ISSUER: 'login.example.com' })).toThrow(
      "BATON_OIDC_ISSUER must be the identity provider's issuer as an http(s) URL",
    );
    expect(() => loginSettingsFrom({ ...OIDC, BATON_OIDC_ISSUER: 'http://login.example.com' })).toThrow(
      'BATON_OIDC_ISSUER must be an https URL',
    );
    expect(() => loginSettingsFrom({ ...OIDC, BATON_PUBLIC_URL: 'https://example.com/baton' })).toThrow(
      "BATON_PUBLIC_URL must be Baton's address without a path",
    );
    expect(() => loginSettingsFrom({ ...OIDC, BATON_OIDC_SCOPES: 'profile email' })).toThrow(
      'BATON_OIDC_SCOPES must include "openid"',
    );
    expect(() => loginSettingsFrom({ BATON_SESSION_TTL: 'forever' })).toThrow(
      'BATON_SESSION_TTL must be how long a console session lasts, like 12h or 30m, not "forever".',
    );
    expect(() => loginSettingsFrom({ BATON_TRUSTED_PROXIES: 'proxy' })).toThrow('BATON_TRUSTED_PROXIES has "proxy"');
  });

  it('accepts a plain-http issuer on this machine only, for trying things out', () => {
    expect(loginSettingsFrom({ ...OIDC, BATON_OIDC_ISSUER: 'http://127.0.0.1:8080' }).oidc?.issuer.href).toBe(
      'http://127.0.0.1:8080/',
    );
  });

  it('reads trusted proxies as a login', () => {
    const settings = loginSettingsFrom({ BATON_TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/16' });
    expect(settings.trustedProxies?.entries).toEqual(['10.0.0.5', '10.1.0.0/16']);
    expect(loginConfigured(settings)).toBe(true);
  });
});

describe('where the console is open', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.0.2.2', 'baton.example.com', '128.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('is open on loopback without a login, and nowhere else', () => {
    expect(consoleIsOpen('127.0.0.1', loginSettingsFrom({}))).toBe(true);
    expect(consoleIsOpen('127.0.0.1', loginSettingsFrom({ BATON_TRUSTED_PROXIES: '127.0.0.1' }))).toBe(false);
    expect(consoleIsOpen('0.0.0.0', loginSettingsFrom({}))).toBe(false);
  });

  it('refuses an open console off loopback, saying both ways to sign in', () => {
    expect(() => requireConsoleLogin('127.0.0.1', undefined)).not.toThrow();
    expect(() => requireConsoleLogin('0.0.0.0', loginSettingsFrom(OIDC))).not.toThrow();
    expect(() => requireConsoleLogin('0.0.0.0', undefined)).toThrow(
      /listen on 0\.0\.0\.0.*BATON_OIDC_ISSUER.*BATON_TRUSTED_PROXIES/s,
    );
  });
});

describe('the session key', () => {
  it('is made once in the data folder, readable by this user only, and kept', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'baton-session-key-')), 'data');
    const first = await loadSessionKey({ dataDir, shared: false });
    expect(first).toHaveLength(32);
    expect((await stat(join(dataDir, 'session.key'))).mode & 0o777).toBe(0o600);
    expect(await loadSessionKey({ dataDir, shared: false })).toEqual(first);
  });

  it('refuses a key file others may read', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-session-key-'));
    await writeFile(join(dataDir, 'session.key'), `${Buffer.alloc(32, 1).toString('base64')}\n`);
    await chmod(join(dataDir, 'session.key'), 0o644);
    await expect(loadSessionKey({ dataDir, shared: false })).rejects.toThrow(
      'other users may read it (mode 0644): run `chmod 600',
    );
  });

  it('must be given when several bots share the work (Redis)', async () => {
    await expect(loadSessionKey({ dataDir: tmpdir(), shared: true })).rejects.toThrow(
      'BATON_SESSION_KEY is not set. On Redis, several Baton bots may serve the console',
    );
    expect(
      await loadSessionKey({ key: Buffer.alloc(32, 2).toString('base64'), dataDir: tmpdir(), shared: true }),
    ).toEqual(Buffer.alloc(32, 2));
    await expect(loadSessionKey({ key: 'short', dataDir: tmpdir(), shared: true })).rejects.toThrow(
      'BATON_SESSION_KEY is not a 32-byte key',
    );
  });
});
