/**
 * The console off loopback, signed in with OIDC against a real provider
 * (oidc-provider) in a real browser: the page sends a stranger to sign in,
 * alice requests, bob approves (and the approval is recorded as bob's), each
 * known by their verified email address, so that eve calling herself "bob" at
 * the provider is still eve; a person outside the allowed domain or without a
 * verified address is told why not, and the API refuses anyone without a
 * session.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../../src/app.ts';
import { BATON_STREAM, promotionStream } from '../../../src/core/audit.ts';
import { loginSettingsFrom } from '../../../src/http/login/settings.ts';
import { launchChromium } from '../../support/chromium.ts';
import { FakeTarget, fakeLookup } from '../../support/fake-adapter.ts';
import { startOidcProvider, type RunningProvider } from '../../support/oidc-provider.ts';
import { silentLogger } from '../../support/silent-logger.ts';

const CONFIG = `version: 1
environments:
  - name: staging
    channel: "#deploys"
    requesters: [alice@example.com]
    approvals: { required: 1, from: [bob@example.com] }
components:
  api: { adapter: fake }
`;

/** This machine's own non-loopback IPv4 address when it has one; else every address, reached through 127.0.0.1. */
function bindAddress(): { host: string; browse: string } {
  const own = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
  return own ? { host: own.address, browse: own.address } : { host: '0.0.0.0', browse: '127.0.0.1' };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

let browser: Browser;
let provider: RunningProvider;
let baton: RunningBaton;
let dataDir: string;
let publicUrl: string;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  const { host, browse } = bindAddress();
  const port = await freePort(host);
  publicUrl = `http://${browse}:${port}`;
  provider = await startOidcProvider({
    redirectUri: `${publicUrl}/login/callback`,
    accounts: {
      alice: { preferred_username: 'alice', email: 'alice@example.com', email_verified: true, groups: ['deployers'] },
      bob: { preferred_username: 'bob', email: 'bob@example.com', email_verified: true, groups: ['deployers', 'sre'] },
      mallory: {
        preferred_username: 'mallory',
        email: 'mallory@elsewhere.org',
        email_verified: true,
        groups: ['deployers'],
      },
      // Calls herself bob, which many providers let people do.
      eve: { preferred_username: 'bob', email: 'eve@example.com', email_verified: true, groups: ['deployers'] },
      // The provider has not checked that this address is dan's.
      dan: { preferred_username: 'dan', email: 'dan@example.com', email_verified: false, groups: ['deployers'] },
    },
  });
  dataDir = await mkdtemp(join(tmpdir(), 'baton-login-'));
  await writeFile(join(dataDir, 'baton.yaml'), CONFIG);
  baton = await startBaton({
    configPath: join(dataDir, 'baton.yaml'),
    dataDir,
    host,
    port,
    logger: silentLogger,
    adapters: fakeLookup(new FakeTarget()),
    retryDelayMs: 10,
    login: loginSettingsFrom({
      BATON_OIDC_ISSUER: provider.issuer,
      BATON_OIDC_CLIENT_ID: provider.clientId,
      BATON_OIDC_CLIENT_SECRET: provider.clientSecret,
      BATON_OIDC_SCOPES: 'openid profile email groups',
      BATON_OIDC_ALLOWED_DOMAINS: 'example.com',
      BATON_OIDC_ALLOWED_GROUPS: 'deployers',
      BATON_PUBLIC_URL: publicUrl,
    }),
  });
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await baton?.close();
  await provider?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A browser of its own (its own cookies), signed in at the provider as `login`. */
async function signIn(login: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(publicUrl);
  // Sent to the provider's own login form.
  expect(page.url()).toContain(provider.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.href.startsWith(publicUrl));
  return page;
}

async function sendCommand(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('command-input');
  await input.fill(text);
  await input.press('Enter');
}

describe('the console off loopback, signed in with OIDC', () => {
  it('refuses every console API without a session, and sends the page to sign in', async () => {
    const command = await fetch(`${publicUrl}/api/console/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', text: '/promote api=1.0.0 to staging' }),
    });
    expect(command.status).toBe(401);
    expect(((await command.json()) as { error: string }).error).toContain('/login');
    for (const path of ['/api/console/messages', '/api/console/events', '/api/console/session']) {
      expect((await fetch(`${publicUrl}${path}`)).status).toBe(401);
    }
    const action = await fetch(`${publicUrl}/api/console/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(action.status).toBe(401);
    const page = await fetch(publicUrl, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login');
  });

  it('signs alice in, lets her request; bob signs in and approves, recorded as bob', async () => {
    const alice = await signIn('alice');
    await expect.poll(() => alice.getByTestId('connection').getAttribute('data-state')).toBe('live');
    expect(await alice.getByTestId('signed-in-name').textContent()).toBe('alice@example.com');
    // The callback set the session and cleared the spent login cookie.
    expect(
      (await alice.context().cookies()).map((cookie) => cookie.name).filter((name) => name.startsWith('baton_')),
    ).toEqual(['baton_session']);
    expect(await alice.getByTestId('user-select').count()).toBe(0);
    expect(await alice.getByTestId('sign-out').getAttribute('href')).toBe('/logout');

    await sendCommand(alice, '/promote api=1.0.0 to staging');
    const plan = alice.getByTestId('message').filter({ hasText: 'awaiting approval' });
    await plan.waitFor();
    const id = (await baton.engine.store.listPromotions())[0]?.id ?? '';
    expect((await baton.engine.store.getPromotion(id))?.requestedBy).toBe('alice@example.com');

    // Signed in, the page cannot speak for anyone else: the server refuses a different "user".
    const asBob = await alice.evaluate(async () => {
      const response = await fetch('/api/console/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'bob@example.com', actionId: 'approve', value: '1' }),
      });
      return { status: response.status, json: (await response.json()) as { error: string } };
    });
    expect(asBob.status).toBe(403);
    expect(asBob.json.error).toContain('signed in as alice@example.com');
    expect(asBob.json.error).toContain('"bob@example.com"');

    // eve, who calls herself bob at the provider, is eve here: she may not approve for bob.
    const eve = await signIn('eve');
    await expect.poll(() => eve.getByTestId('connection').getAttribute('data-state')).toBe('live');
    expect(await eve.getByTestId('signed-in-name').textContent()).toBe('eve@example.com');
    await eve
      .getByTestId('message')
      .filter({ hasText: `Promotion #${id}` })
      .locator('[data-testid="action-button"][data-action-id="approve"]')
      .click();
    await eve
      .getByTestId('private-reply')
      .filter({ hasText: "eve@example.com can't approve or reject promotions to staging" })
      .waitFor();

    const bob = await signIn('bob');
    await expect.poll(() => bob.getByTestId('connection').getAttribute('data-state')).toBe('live');
    expect(await bob.getByTestId('signed-in-name').textContent()).toBe('bob@example.com');
    const planForBob = bob.getByTestId('message').filter({ hasText: `Promotion #${id}` });
    await planForBob.locator('[data-testid="action-button"][data-action-id="approve"]').click();
    await bob
      .getByTestId('private-reply')
      .filter({ hasText: `You approved promotion #${id}` })
      .waitFor();
    await baton.idle();

    const promotion = await baton.engine.store.getPromotion(id);
    expect(promotion?.approvals.map((approval) => approval.user)).toEqual(['bob@example.com']);
    const audit = await baton.engine.store.readAudit(promotionStream(id));
    expect(audit.filter((record) => record.type === 'approval.granted').map((record) => record.actor)).toEqual([
      'bob@example.com',
    ]);
    expect(promotion?.state).toBe('succeeded');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('tells a person outside the allowed domain, or without a verified address, why they may not sign in', async () => {
    const page = await signIn('mallory');
    const text = await page.locator('body').textContent();
    expect(text).toContain('mallory@elsewhere.org may not use this Baton');
    expect(text).toContain('only people with an email address at example.com, and yours is mallory@elsewhere.org');
    const refusals = (await baton.engine.store.readAudit(BATON_STREAM)).filter(
      (record) => record.type === 'access.refused',
    );
    // alice's page sending another name, earlier in this file, is the other refusal on record.
    expect(refusals.map((record) => record.actor)).toEqual(['alice@example.com', 'mallory@elsewhere.org']);
    const unverified = await signIn('dan');
    expect(await unverified.locator('body').textContent()).toContain(
      'The identity provider has not verified your email address (dan@example.com)',
    );
    expect((await unverified.context().request.get(`${publicUrl}/api/console/session`)).status()).toBe(401);
    // The sign-in pages allow no scripts; ask with the browser's cookies from outside.
    expect((await page.context().request.get(`${publicUrl}/api/console/session`)).status()).toBe(401);
  }, 30_000);

  it('signs out: the session cookie is cleared and the page asks to sign in again', async () => {
    const page = await signIn('alice');
    await page.getByTestId('sign-out').click();
    await page.getByText('You are signed out of Baton').waitFor();
    expect((await page.context().request.get(`${publicUrl}/api/console/session`)).status()).toBe(401);
    const consolePage = await page.context().request.get(publicUrl, { maxRedirects: 0 });
    expect(consolePage.status()).toBe(302);
    expect(consolePage.headers().location).toBe('/login');
  }, 30_000);
});
