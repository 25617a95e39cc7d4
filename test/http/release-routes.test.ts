import { afterEach, describe, expect, it } from 'vitest';
import { RELEASES_TOKEN } from '../support/api-tokens.ts';
import { consoleClient, replyText } from '../support/console-client.ts';
import { EXAMPLE_CONFIG, startExampleBaton, type StartedBaton } from '../support/start-example.ts';

describe('POST /api/releases', () => {
  let started: StartedBaton | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  function register(body: unknown, token?: string) {
    return fetch(`${started?.baton.url}/api/releases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  it('registers a release from CI that people then promote by name', async () => {
    started = await startExampleBaton(EXAMPLE_CONFIG);
    const response = await register({ name: '2026.12.1', versions: { api: '1.6.0', worker: '1.6.0' } }, RELEASES_TOKEN);
    expect(response.status).toBe(201);
    const again = await register({ name: '2026.12.1', versions: { api: '1.6.0', worker: '1.6.0' } }, RELEASES_TOKEN);
    expect(again.status).toBe(200);
    const reply = replyText(
      await consoleClient(started.baton.url).command('alice', '/promote 2026.12.1 to dev --dry-run'),
    );
    expect(reply).toContain('Dry run: api=1.6.0 worker=1.6.0 → dev');
  });

  it('refuses a wrong token, a changed release and unknown components, saying why', async () => {
    started = await startExampleBaton(EXAMPLE_CONFIG);
    const wrong = await register({ name: 'x', versions: { api: '1' } }, 'guess');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/^Baton does not know this API token/);
    await register({ name: 'r1', versions: { api: '1' } }, RELEASES_TOKEN);
    const changed = await register({ name: 'r1', versions: { api: '2' } }, RELEASES_TOKEN);
    expect(changed.status).toBe(409);
    const unknown = await register({ name: 'r2', versions: { billing: '1' } }, RELEASES_TOKEN);
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toContain(
      'names "billing", which the pipeline does not define',
    );
    const bad = await register({ name: '../etc', versions: {} }, RELEASES_TOKEN);
    expect(bad.status).toBe(400);
  });

  it('is off without API tokens, saying how to create one', async () => {
    started = await startExampleBaton(EXAMPLE_CONFIG, []);
    const response = await register({ name: 'r', versions: { api: '1' } }, 'anything');
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toContain(
      'baton token create <name> --scope releases:write',
    );
  });
});
