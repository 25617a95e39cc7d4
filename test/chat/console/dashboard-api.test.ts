/**
 * The dashboard's JSON API as a script (or an attacker) would call it: the
 * console's access rules, hostile filter values answered with a short excerpt,
 * unknown environments with a suggestion, and secrets masked in what it shows.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../../src/app.ts';
import { loginSettingsFrom } from '../../../src/http/login/settings.ts';
import { consoleClient } from '../../support/console-client.ts';
import { FakeTarget, fakeLookup } from '../../support/fake-adapter.ts';
import { silentLogger } from '../../support/silent-logger.ts';
import { startExampleBaton, type StartedBaton } from '../../support/start-example.ts';

let started: StartedBaton | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

describe('the dashboard API on the open console', () => {
  it('refuses hostile filter values with a short excerpt, and suggests the environment meant', async () => {
    started = await startExampleBaton();
    const { url } = started.baton;
    const longState = `<script>alert(1)</script>${'x'.repeat(5000)}`;
    const state = await fetch(`${url}/api/dashboard/promotions?state=${encodeURIComponent(longState)}`);
    expect(state.status).toBe(400);
    const stateError = await errorOf(state);
    expect(stateError).toContain('is not a promotion state: use one of planning, awaiting_approval');
    // The first 40 characters of what was sent, and no more.
    expect(stateError).toContain(`"${longState.slice(0, 39)}…"`);
    expect(stateError.length).toBeLessThan(300);

    const person = await fetch(`${url}/api/dashboard/promotions?person=${'a'.repeat(101)}`);
    expect(person.status).toBe(400);
    expect(await errorOf(person)).toBe('person is longer than 100 characters: no person has such a name.');

    const typo = await fetch(`${url}/api/dashboard/promotions?environment=stagign`);
    expect(typo.status).toBe(404);
    expect(await errorOf(typo)).toBe(
      'There is no environment "stagign". Did you mean staging? Environments: dev, staging, production.',
    );

    expect((await fetch(`${url}/api/dashboard/dora?days=1e3`)).status).toBe(400);
    const drift = await fetch(`${url}/api/dashboard/drift`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ environment: ['dev'] }),
    });
    expect(drift.status).toBe(400);
  });

  it('answers what runs where, linked to the thread of the promotion that put it there, with no drift read until someone asks', async () => {
    started = await startExampleBaton();
    await consoleClient(started.baton.url).command('carol', '/promote 2026.11.3 to dev');
    await started.baton.idle();
    const matrix = (await (await fetch(`${started.baton.url}/api/dashboard/matrix`)).json()) as {
      components: string[];
      environments: {
        environment: string;
        cells: Record<string, { version: string; by: string; promotionId: string; thread?: unknown }>;
      }[];
      drift: unknown[];
    };
    expect(matrix.components).toEqual(['iam', 'schema', 'api', 'worker']);
    expect(matrix.environments.map((row) => row.environment)).toEqual(['dev', 'staging', 'production']);
    expect(matrix.environments[0]?.cells.api).toMatchObject({ version: '1.4.2', by: 'carol', promotionId: '1' });
    expect(matrix.environments[1]?.cells).toEqual({});
    expect(matrix.drift).toEqual([]);
    const thread = matrix.environments[0]?.cells.api?.thread;
    expect(thread).toEqual({ channel: expect.any(String), messageId: expect.any(String) });
    const promotions = (await (await fetch(`${started.baton.url}/api/dashboard/promotions`)).json()) as {
      id: string;
      thread?: unknown;
    }[];
    expect(promotions).toEqual([expect.objectContaining({ id: '1', thread })]);
  });
});

describe('the dashboard behind a login', () => {
  it('answers only a signed-in person, as the console does', async () => {
    started = await startExampleBaton(undefined, undefined, {
      login: loginSettingsFrom({ BATON_TRUSTED_PROXIES: '127.0.0.1' }),
    });
    const { url } = started.baton;
    const anonymous = await fetch(`${url}/api/dashboard/matrix`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ signIn: '/login' });
    expect((await fetch(`${url}/api/dashboard/promotions`)).status).toBe(401);
    const page = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(page.headers.get('location')).toBe('/login');
    expect((await fetch(`${url}/api/dashboard/matrix`, { headers: { 'x-forwarded-user': 'alice' } })).status).toBe(200);
    const signedInPage = await fetch(`${url}/dashboard`, { headers: { 'x-forwarded-user': 'alice' } });
    expect(signedInPage.status).toBe(200);
    expect(signedInPage.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('secrets on the dashboard', () => {
  let baton: RunningBaton | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await baton?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('masks a secret the pipeline uses wherever it would show, even as a version', async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-dashboard-'));
    const config = join(dir, 'baton.yaml');
    await writeFile(
      config,
      'version: 1\nenvironments:\n  - name: dev\n    channel: "#deploys"\ncomponents:\n  api:\n    adapter: fake\n    with: { say: "${secret:DEPLOY_TOKEN}" }\n',
    );
    const secret = 'tok-5ecret-value';
    baton = await startBaton({
      configPath: config,
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      adapters: fakeLookup(new FakeTarget()),
      secrets: { get: (name) => (name === 'DEPLOY_TOKEN' ? secret : undefined) },
      retryDelayMs: 10,
    });
    await consoleClient(baton.url).command('alice', `/promote api=${secret} to dev`);
    await baton.idle();
    const shown = [
      await (await fetch(`${baton.url}/api/dashboard/matrix`)).text(),
      await (await fetch(`${baton.url}/api/dashboard/promotions`)).text(),
    ];
    for (const text of shown) {
      expect(text).not.toContain(secret);
      expect(text).toContain('***');
    }
  });
});
