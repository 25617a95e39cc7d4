/**
 * Which requests reach Baton at all, over real HTTP: the Host check against DNS
 * rebinding (421), the Origin check against cross-site posts (403).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RELEASES_TOKEN } from '../support/api-tokens.ts';
import { errorOf, rawRequest } from '../support/raw-http.ts';
import { EXAMPLE_CONFIG, startExampleBaton, type StartedBaton } from '../support/start-example.ts';

let started: StartedBaton | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

async function start(allowedHosts?: readonly string[]): Promise<{ url: string; port: string }> {
  started = await startExampleBaton(EXAMPLE_CONFIG, undefined, allowedHosts ? { allowedHosts } : {});
  return { url: started.baton.url, port: new URL(started.baton.url).port };
}

const json = { 'content-type': 'application/json' };
const release = JSON.stringify({ name: '2026.12.1', versions: { api: '1.6.0' } });
const command = JSON.stringify({ user: 'alice', text: '/promote help' });

describe('the Host check', () => {
  it('refuses a forged Host with 421 on a console route and on /api/releases, saying how to allow it', async () => {
    const { url } = await start();
    const consoleRead = await rawRequest(url, 'GET', '/api/console/messages', { host: 'evil.example' });
    expect(consoleRead.status).toBe(421);
    expect(errorOf(consoleRead)).toBe(
      'Baton does not serve the host name "evil.example". If that is Baton\'s own address, add it to BATON_ALLOWED_HOSTS (comma-separated; ".example.com" allows its subdomains).',
    );
    const consolePost = await rawRequest(
      url,
      'POST',
      '/api/console/commands',
      { host: 'evil.example:80', ...json },
      command,
    );
    expect(consolePost.status).toBe(421);
    const releases = await rawRequest(
      url,
      'POST',
      '/api/releases',
      { host: 'evil.example', ...json, authorization: `Bearer ${RELEASES_TOKEN}` },
      release,
    );
    expect(releases.status).toBe(421);
  });

  it('accepts loopback names and IP literals', async () => {
    const { url, port } = await start();
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'localhost',
      `[::1]:${port}`,
      `10.1.2.3:${port}`,
      'app.localhost',
    ]) {
      const answer = await rawRequest(url, 'GET', '/api/console/messages', { host });
      expect({ host, status: answer.status }).toEqual({ host, status: 200 });
    }
  });

  it('accepts a name listed in allowedHosts, and the subdomains of a ".domain" entry, and nothing else', async () => {
    const { url } = await start(['baton.example.com', '.corp.example']);
    const status = async (host: string) => (await rawRequest(url, 'GET', '/api/console/messages', { host })).status;
    expect(await status('baton.example.com')).toBe(200);
    expect(await status('BATON.example.com:443')).toBe(200);
    expect(await status('deploys.corp.example')).toBe(200);
    expect(await status('corp.example')).toBe(200);
    expect(await status('example.com')).toBe(421);
    expect(await status('evilcorp.example')).toBe(421);
    const releases = await rawRequest(
      url,
      'POST',
      '/api/releases',
      { host: 'baton.example.com', ...json, authorization: `Bearer ${RELEASES_TOKEN}` },
      release,
    );
    expect(releases.status).toBe(201);
  });
});

describe('the Origin check', () => {
  it('refuses a POST from another site, or from an opaque origin, with 403', async () => {
    const { url, port } = await start();
    const host = `127.0.0.1:${port}`;
    const crossSite = await rawRequest(
      url,
      'POST',
      '/api/console/commands',
      { host, origin: 'https://evil.example', ...json },
      command,
    );
    expect(crossSite.status).toBe(403);
    expect(errorOf(crossSite)).toBe(
      'Refused a POST to /api/console/commands sent from another site (Origin https://evil.example): Baton takes changes only from its own pages and from scripts.',
    );
    const opaque = await rawRequest(url, 'POST', '/api/console/commands', { host, origin: 'null', ...json }, command);
    expect(opaque.status).toBe(403);
    const otherPort = await rawRequest(
      url,
      'POST',
      '/api/console/commands',
      { host, origin: 'http://127.0.0.1:1', ...json },
      command,
    );
    expect(otherPort.status).toBe(403);
    const fetchSite = await rawRequest(
      url,
      'POST',
      '/api/console/commands',
      { host, 'sec-fetch-site': 'cross-site', ...json },
      command,
    );
    expect(fetchSite.status).toBe(403);
    // A valid token does not make a cross-site post acceptable.
    const releases = await rawRequest(
      url,
      'POST',
      '/api/releases',
      { host, origin: 'https://evil.example', ...json, authorization: `Bearer ${RELEASES_TOKEN}` },
      release,
    );
    expect(releases.status).toBe(403);
  });

  it('accepts a same-origin POST and a POST without Origin (scripts)', async () => {
    const { url, port } = await start();
    const host = `127.0.0.1:${port}`;
    const sameOrigin = await rawRequest(
      url,
      'POST',
      '/api/console/commands',
      { host, origin: `http://${host}`, ...json },
      command,
    );
    expect(sameOrigin.status).toBe(200);
    const script = await rawRequest(url, 'POST', '/api/console/commands', { host, ...json }, command);
    expect(script.status).toBe(200);
    const releases = await rawRequest(
      url,
      'POST',
      '/api/releases',
      { host, ...json, authorization: `Bearer ${RELEASES_TOKEN}` },
      release,
    );
    expect(releases.status).toBe(201);
  });
});
