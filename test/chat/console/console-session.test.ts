/**
 * The console with OIDC sessions behind an https public URL, without a
 * provider (the cookies are made here with the same key): an event stream
 * ends when the session that opened it expires, and a request that carries
 * two session cookies is treated as signed out.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChat } from '../../../src/chat/console/console-chat.ts';
import { textMessage } from '../../../src/chat/message.ts';
import { createConsoleLogin } from '../../../src/http/login/console-login.ts';
import { SessionCookies } from '../../../src/http/login/session-cookie.ts';
import { loginSettingsFrom } from '../../../src/http/login/settings.ts';
import { createHttpServer, type HttpServer } from '../../../src/http/server.ts';
import { silentLogger } from '../../support/silent-logger.ts';
import { TestClock } from '../../support/test-clock.ts';
import { FakeInteractionHandler } from './fake-handler.ts';
import { openEventStream } from './sse-client.ts';

const key = randomBytes(32);
const clock = new TestClock();
let server: HttpServer;
let chat: ConsoleChat;
let url: string;

/** A session cookie as Baton would set it after a sign-in, lasting `ttlMs`, as a Cookie header value. */
function sessionCookie(user: string, ttlMs: number): string {
  const setCookie = new SessionCookies({ key, secure: true, ttlMs, clock }).issueSession({ user });
  return setCookie.split(';')[0] ?? '';
}

beforeAll(async () => {
  server = createHttpServer({ host: '127.0.0.1', port: 0, logger: { error: () => {} } });
  const login = await createConsoleLogin(
    loginSettingsFrom({
      // Never contacted: these tests bring their own session cookies.
      BATON_OIDC_ISSUER: 'https://login.example.com',
      BATON_OIDC_CLIENT_ID: 'baton',
      BATON_OIDC_CLIENT_SECRET: 'secret',
      BATON_OIDC_ALLOWED_DOMAINS: 'example.com',
      BATON_PUBLIC_URL: 'https://baton.example.com',
      BATON_SESSION_KEY: key.toString('base64'),
    }),
    { server, dataDir: await mkdtemp(join(tmpdir(), 'baton-session-')), shared: false, clock, log: silentLogger },
  );
  chat = new ConsoleChat({ server, signIn: login.signIn, clock });
  await chat.start(new FakeInteractionHandler(chat));
  ({ url } = await server.listen());
});

afterAll(async () => {
  await chat?.stop();
  await server?.close();
});

describe('console sessions', () => {
  it('ends an open event stream when its session expires; reconnecting is then refused', async () => {
    const cookie = sessionCookie('alice@example.com', 1500);
    const events = await openEventStream(`${url}/api/console/events`, { cookie });
    expect(events.response.status).toBe(200);
    await events.next((event) => event.event === 'snapshot');

    // Live while the session lasts.
    await chat.post('#baton', textMessage('before expiry'));
    await events.next((event) => event.event === 'message' && event.data.includes('before expiry'));

    // The server ends the stream at expiry (well before the 5 s this waits), so nothing posted later reaches it.
    const ended = events.next((event) => event.event === 'message', 5000);
    await expect(ended).rejects.toThrow('The event stream ended');
    await chat.post('#baton', textMessage('after expiry'));
    await expect(events.next(() => true)).rejects.toThrow('The event stream ended');

    // What the browser does next: reconnect, and be told to sign in.
    const again = await fetch(`${url}/api/console/events`, { headers: { cookie } });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ signIn: '/login' });
  }, 10_000);

  it('keeps a stream open while its session lasts', async () => {
    const events = await openEventStream(`${url}/api/console/events`, {
      cookie: sessionCookie('bob@example.com', 3_600_000),
    });
    await events.next((event) => event.event === 'snapshot');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await chat.post('#baton', textMessage('still here'));
    await events.next((event) => event.event === 'message' && event.data.includes('still here'));
    events.close();
  }, 10_000);

  it('names the session cookie __Host-baton_session and refuses a request that carries two', async () => {
    const alice = sessionCookie('alice@example.com', 3_600_000);
    expect(alice).toMatch(/^__Host-baton_session=/);
    const one = await fetch(`${url}/api/console/session`, { headers: { cookie: alice } });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ user: 'alice@example.com', via: 'session' });

    // A neighbouring host that set its own cookie of that name (mallory's valid session) beside alice's.
    const tossed = sessionCookie('mallory@example.com', 3_600_000);
    for (const cookie of [`${tossed}; ${alice}`, `${alice}; ${alice}`]) {
      const two = await fetch(`${url}/api/console/session`, { headers: { cookie } });
      expect(two.status).toBe(401);
      expect(await two.json()).toMatchObject({ signIn: '/login' });
    }
    const command = await fetch(`${url}/api/console/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${tossed}; ${alice}` },
      body: JSON.stringify({ text: 'status' }),
    });
    expect(command.status).toBe(401);
  });
});
