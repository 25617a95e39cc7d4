/**
 * Sign-in by a trusted proxy, on a real server with the console: the
 * X-Forwarded-User header is believed from the configured addresses only,
 * and refused (never ignored) from anywhere else.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleChat } from '../../../src/chat/console/console-chat.ts';
import { parseAddressList } from '../../../src/http/login/address-list.ts';
import { createConsoleLogin } from '../../../src/http/login/console-login.ts';
import { loginSettingsFrom } from '../../../src/http/login/settings.ts';
import { createHttpServer, type HttpServer } from '../../../src/http/server.ts';
import { FakeInteractionHandler } from '../../chat/console/fake-handler.ts';
import { silentLogger } from '../../support/silent-logger.ts';
import { TestClock } from '../../support/test-clock.ts';

let server: HttpServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The console behind a proxy at `trusted`, listening on `host`. */
async function consoleBehindProxy(trusted: string, host = '127.0.0.1') {
  server = createHttpServer({ host, port: 0, logger: { error: () => {} } });
  const login = await createConsoleLogin(loginSettingsFrom({ BATON_TRUSTED_PROXIES: trusted }), {
    server,
    dataDir: await mkdtemp(join(tmpdir(), 'baton-proxy-')),
    shared: false,
    clock: new TestClock(),
    log: silentLogger,
  });
  const chat = new ConsoleChat({ server, signIn: login.signIn });
  const handler = new FakeInteractionHandler(chat);
  await chat.start(handler);
  const { url } = await server.listen();
  // Through 127.0.0.1 also when listening on "::": the socket then shows ::ffff:127.0.0.1.
  return { url: url.replace(/\[::\]|0\.0\.0\.0/, '127.0.0.1'), handler };
}

function command(url: string, headers: Record<string, string>, body: object = { text: '/promote 1.4.2 to staging' }) {
  return fetch(`${url}/api/console/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('sign-in by a trusted proxy', () => {
  it('acts as the person a trusted proxy names', async () => {
    const { url, handler } = await consoleBehindProxy('10.9.0.0/16, 127.0.0.1');
    const response = await command(url, { 'x-forwarded-user': 'alice', 'x-forwarded-email': 'alice@example.com' });
    expect(response.status).toBe(200);
    expect(handler.commands).toEqual([{ user: 'alice', channel: '#baton', text: '1.4.2 to staging' }]);
    const session = await fetch(`${url}/api/console/session`, { headers: { 'x-forwarded-user': 'alice' } });
    expect(await session.json()).toEqual({ user: 'alice', via: 'proxy', switcher: false, example: '/promote help' });
  });

  it('takes the email as the name when the proxy sends no user', async () => {
    const { url, handler } = await consoleBehindProxy('127.0.0.0/8');
    expect((await command(url, { 'x-forwarded-email': 'bob@example.com' })).status).toBe(200);
    expect(handler.commands[0]?.user).toBe('bob@example.com');
  });

  it('knows an IPv4 peer on a dual-stack socket (::ffff:127.0.0.1) by its IPv4 address', async () => {
    const { url, handler } = await consoleBehindProxy('127.0.0.1', '::');
    expect((await command(url, { 'x-forwarded-user': 'carol' })).status).toBe(200);
    expect(handler.commands[0]?.user).toBe('carol');
  });

  it('refuses the header from an address that is not a trusted proxy, before reading the body', async () => {
    const { url, handler } = await consoleBehindProxy('10.9.0.0/16');
    const response = await command(url, { 'x-forwarded-user': 'alice' });
    expect(response.status).toBe(401);
    const { error } = (await response.json()) as { error: string };
    expect(error).toContain('it comes from 127.0.0.1, which is not a trusted proxy');
    expect(error).toContain('BATON_TRUSTED_PROXIES (10.9.0.0/16)');
    expect(
      (await fetch(`${url}/api/console/messages`, { headers: { 'x-forwarded-email': 'a@example.com' } })).status,
    ).toBe(401);
    expect(handler.commands).toEqual([]);
  });

  it("refuses a request that names two people (a proxy that added to a client's header)", async () => {
    const { url, handler } = await consoleBehindProxy('127.0.0.1');
    const response = await command(url, { 'x-forwarded-user': 'mallory, alice' });
    expect(response.status).toBe(401);
    expect(handler.commands).toEqual([]);
  });

  it('refuses a request without the header: 401 on the API, the page sent to /login', async () => {
    const { url } = await consoleBehindProxy('127.0.0.1');
    const response = await command(url, {});
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'Sign in first: open /login in a browser. The console acts only for a signed-in person.',
      signIn: '/login',
    });
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login');
    const login = await fetch(`${url}/login`);
    expect(login.status).toBe(401);
    expect(await login.text()).toContain('Sign in through the proxy');
  });

  it('refuses a "user" in the body other than the signed-in person, naming both; the same name or none is fine', async () => {
    const { url, handler } = await consoleBehindProxy('127.0.0.1');
    const other = await command(url, { 'x-forwarded-user': 'alice' }, { user: 'bob', text: 'status' });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({
      field: 'user',
      error:
        'You are signed in as alice, but the request says "user": "bob". The console acts only as the signed-in person: leave "user" out, or send "alice".',
    });
    expect((await command(url, { 'x-forwarded-user': 'alice' }, { user: 'alice', text: 'status' })).status).toBe(200);
    expect(handler.commands.map((c) => c.user)).toEqual(['alice']);
  });
});

describe('address lists', () => {
  it('matches addresses and ranges, IPv4-mapped IPv6 as IPv4', () => {
    const list = parseAddressList('10.0.0.0/8, 192.168.1.7, fd00::/8', 'BATON_TRUSTED_PROXIES');
    expect(list.includes('10.200.3.4')).toBe(true);
    expect(list.includes('::ffff:10.200.3.4')).toBe(true);
    expect(list.includes('192.168.1.7')).toBe(true);
    expect(list.includes('192.168.1.8')).toBe(false);
    expect(list.includes('fd12::1')).toBe(true);
    expect(list.includes('::1')).toBe(false);
    expect(list.includes('')).toBe(false);
  });

  it('says which entry is not an address or range', () => {
    expect(() => parseAddressList('10.0.0.1, proxy.internal', 'BATON_TRUSTED_PROXIES')).toThrow(
      'BATON_TRUSTED_PROXIES has "proxy.internal", which is not an IP address or a CIDR range',
    );
    expect(() => parseAddressList('10.0.0.0/33', 'BATON_TRUSTED_PROXIES')).toThrow('"10.0.0.0/33"');
    expect(() => parseAddressList('10.0.0.0/', 'BATON_TRUSTED_PROXIES')).toThrow('"10.0.0.0/"');
  });
});
