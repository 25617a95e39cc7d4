/** API tokens over real HTTP: who may register releases and read evidence, and what each refusal says. */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { anyOf } from '../../src/http/access-checks.ts';
import { apiTokensFrom } from '../../src/http/api-token-settings.ts';
import { apiTokenSet, hashApiToken, newApiToken, parseApiTokens } from '../../src/http/api-tokens.ts';
import { maxBodyBytes, type AccessCheck, type RequestHead } from '../../src/http/server.ts';
import { requireScope } from '../../src/http/token-access.ts';
import { EVIDENCE_TOKEN, RELEASES_TOKEN, TEST_API_TOKENS } from '../support/api-tokens.ts';
import { consoleClient, replyText } from '../support/console-client.ts';
import { BATON_STREAM } from '../../src/core/audit.ts';
import { loginSettingsFrom } from '../../src/http/login/settings.ts';
import { EXAMPLE_CONFIG, startExampleBaton, type ExampleOptions, type StartedBaton } from '../support/start-example.ts';

let started: StartedBaton | undefined;
const warnings: { details: object; message: string }[] = [];
afterEach(async () => {
  await started?.stop();
  started = undefined;
  warnings.length = 0;
});

const capturingLogger = {
  info: () => {},
  warn: (details: object, message: string) => warnings.push({ details, message }),
  error: () => {},
};

async function start(tokens = TEST_API_TOKENS, options: ExampleOptions = {}): Promise<string> {
  started = await startExampleBaton(EXAMPLE_CONFIG, tokens, { logger: capturingLogger, ...options });
  return started.baton.url;
}

async function accessRefusals() {
  return ((await started?.baton.engine.store.readAudit(BATON_STREAM)) ?? []).filter((r) => r.type === 'access.refused');
}

function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

function register(
  url: string,
  token?: string,
  release: unknown = { name: '2026.12.1', versions: { api: '1.6.0' } },
): Promise<Response> {
  return fetch(`${url}/api/releases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify(release),
  });
}

function evidence(url: string, token?: string, id = '1'): Promise<Response> {
  return fetch(`${url}/api/promotions/evidence?id=${id}`, { headers: bearer(token) });
}

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

describe('API tokens on POST /api/releases and GET /api/promotions/evidence', () => {
  it('answers 401 with WWW-Authenticate: Bearer when no token is sent, saying how to get one', async () => {
    const url = await start();
    for (const response of [await register(url), await evidence(url)]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await errorOf(response)).toMatch(
        /needs an API token with the scope (releases:write|evidence:read), sent as "Authorization: Bearer <token>".*baton token create/,
      );
    }
  });

  it('answers 401 to a token Baton does not know, and logs the refusal without the token', async () => {
    const url = await start();
    const guess = 'baton_not-a-token-anyone-was-given';
    const response = await register(url, guess);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await errorOf(response)).toContain('Baton does not know this API token');
    expect((await evidence(url, guess)).status).toBe(401);
    expect(warnings.map((w) => w.message)).toEqual([
      'refused POST /api/releases (401)',
      'refused GET /api/promotions/evidence (401)',
    ]);
    expect(warnings[0]?.details).toMatchObject({
      method: 'POST',
      path: '/api/releases',
      status: 401,
      remoteAddress: expect.any(String),
    });
    expect(JSON.stringify(warnings)).not.toContain(guess);
  });

  it('answers 403 to a token without the scope, naming the token and the scope it needs', async () => {
    const url = await start();
    const writing = await register(url, EVIDENCE_TOKEN);
    expect(writing.status).toBe(403);
    expect(await errorOf(writing)).toBe(
      'The API token "test-auditor" lacks the scope releases:write (it has evidence:read). Add releases:write to its scopes in the token file and restart Baton, or use a token that has it.',
    );
    const reading = await evidence(url, RELEASES_TOKEN);
    expect(reading.status).toBe(403);
    expect(await errorOf(reading)).toContain('"test-ci" lacks the scope evidence:read');
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).not.toContain(EVIDENCE_TOKEN);
    expect(JSON.stringify(warnings)).not.toContain(RELEASES_TOKEN);
    // A known token refused is an audit record; an unknown one (above) is only logged, so knocking cannot fill the log.
    const refusals = await accessRefusals();
    expect(refusals.map((r) => [r.actor, r.summary.split(':')[0]])).toEqual([
      ['test-auditor', 'POST /api/releases by test-auditor refused (403)'],
      ['test-ci', 'GET /api/promotions/evidence by test-ci refused (403)'],
    ]);
    expect(JSON.stringify(refusals)).not.toContain(RELEASES_TOKEN);
  });

  it('admits a token with the scope: 201 for a new release, the evidence bundle for a promotion', async () => {
    const url = await start();
    expect((await register(url, RELEASES_TOKEN)).status).toBe(201);
    expect((await register(url, RELEASES_TOKEN)).status).toBe(200);
    const reply = replyText(await consoleClient(url).command('alice', '/promote 2026.12.1 to dev'));
    expect(reply).toMatch(/promotion #1/);
    const bundle = await evidence(url, EVIDENCE_TOKEN);
    expect(bundle.status).toBe(200);
    expect(await bundle.json()).toMatchObject({ promotion: { id: '1' } });
    const markdown = await fetch(`${url}/api/promotions/evidence?id=1&format=md`, { headers: bearer(EVIDENCE_TOKEN) });
    expect(markdown.status).toBe(200);
    expect(warnings).toEqual([]);
  });

  it('lets a person signed in to the console read evidence without a token, and nobody else', async () => {
    const url = await start(TEST_API_TOKENS, { login: loginSettingsFrom({ BATON_TRUSTED_PROXIES: '127.0.0.1' }) });
    const signedIn = { 'x-forwarded-user': 'alice' };
    await fetch(`${url}/api/console/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedIn },
      body: JSON.stringify({ text: '/promote api=1.0.0 to dev' }),
    });
    const read = await fetch(`${url}/api/promotions/evidence?id=1`, { headers: signedIn });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ promotion: { id: '1', requestedBy: 'alice' } });
    expect((await evidence(url)).status).toBe(401);
    expect(await accessRefusals()).toEqual([]);
    const asSomeoneElse = await fetch(`${url}/api/console/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedIn },
      body: JSON.stringify({ user: 'bob', text: '/promote freeze dev' }),
    });
    expect(asSomeoneElse.status).toBe(403);
    expect((await accessRefusals()).map((r) => r.actor)).toEqual(['alice']);
  });

  it('serves the audit public key without a token: it is public', async () => {
    const url = await start();
    expect((await fetch(`${url}/api/audit/public-key`)).status).not.toBe(401);
  });

  it('with no tokens at all, answers 503 saying how to create one', async () => {
    const url = await start([]);
    const response = await register(url, RELEASES_TOKEN);
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toBe(
      'This API is off: Baton has no API tokens. An operator creates one with `baton token create <name> --scope releases:write` and adds the entry it prints to the file named by BATON_API_TOKENS_FILE.',
    );
  });

  it('keeps the old BATON_API_TOKEN working for releases only, with a warning at start on how to move', async () => {
    const url = await start([], { apiToken: 'ci-token-123' });
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^BATON_API_TOKEN is deprecated .*baton token create ci --scope releases:write.*BATON_API_TOKENS_FILE/,
      ),
    ]);
    expect((await register(url, 'ci-token-123')).status).toBe(201);
    const reading = await evidence(url, 'ci-token-123');
    expect(reading.status).toBe(403);
    expect(await errorOf(reading)).toContain('"BATON_API_TOKEN" lacks the scope evidence:read');
  });

  it('refuses a body over the size limit sent without a token before reading it', async () => {
    const url = new URL(await start());
    const socket = connect(Number(url.port), url.hostname);
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    let answer = '';
    let closedAfterMs: number | undefined;
    const began = Date.now();
    socket.on('close', () => (closedAfterMs = Date.now() - began));
    const answered = new Promise<number>((resolve) =>
      socket.on('data', (chunk: string) => {
        answer += chunk;
        if (answer.includes('}')) resolve(Date.now() - began);
      }),
    );
    // Announces 100 times the limit, sends a few bytes and then holds on: the answer must not wait for the rest.
    socket.write(
      [
        `POST /api/releases HTTP/1.1`,
        `Host: ${url.host}`,
        'Content-Type: application/json',
        `Content-Length: ${maxBodyBytes * 100}`,
        '',
        '{"name": "huge", "versions": {',
      ].join('\r\n'),
    );
    const answeredAfterMs = await Promise.race([
      answered,
      new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 3_000)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answeredAfterMs).toBeLessThan(2_000);
    // The server lets go of the connection too, rather than reading the announced body.
    expect(closedAfterMs).toBeDefined();
  });
});

describe('parsing the token file', () => {
  const sha = hashApiToken('baton_example');

  it('reads YAML and JSON alike', () => {
    const yaml = `tokens:\n  - name: ci\n    scopes: [releases:write, metrics:read]\n    sha256: ${sha.toUpperCase()}\n`;
    const json = JSON.stringify({ tokens: [{ name: 'ci', scopes: ['releases:write', 'metrics:read'], sha256: sha }] });
    const expected = [{ name: 'ci', scopes: ['releases:write', 'metrics:read'], sha256: sha }];
    expect(parseApiTokens(yaml, 'tokens.yaml')).toEqual(expected);
    expect(parseApiTokens(json, 'BATON_API_TOKENS')).toEqual(expected);
  });

  it('names every bad entry and field, and says how to fix it', () => {
    const text = [
      'tokens:',
      '  - name: ci',
      '    scopes: [release:write]',
      '    sha256: baton_the-token-itself',
      '  - name: auditor',
      '    scopes: []',
      `  - name: ci`,
      '    scopes: [evidence:read]',
      `    sha256: ${sha}`,
      `  - name: other`,
      '    scopes: [evidence:read]',
      `    sha256: ${sha}`,
    ].join('\n');
    expect(() => parseApiTokens(text, 'BATON_API_TOKENS_FILE (tokens.yaml)')).toThrow(
      [
        'BATON_API_TOKENS_FILE (tokens.yaml): 5 problems:',
        'tokens[0] ("ci"): scopes[0] unknown scope "release:write"; the scopes are evidence:read, releases:write, metrics:read',
        'tokens[0] ("ci"): sha256 holds the token itself; store only its SHA-256 (the line `baton token create` prints, or `printf %s "$TOKEN" | sha256sum`)',
        'tokens[1] ("auditor"): scopes is empty: name at least one scope of evidence:read, releases:write, metrics:read',
        'tokens[1] ("auditor"): sha256 is missing: add it (the 64 hex digits `baton token create` prints)',
        'tokens[3] ("other"): sha256 is the same as an earlier entry\'s; each token must be a new one (`baton token create`)',
      ].join('\n'),
    );
  });

  it('says what the file must look like when it is not a token list', () => {
    expect(() => parseApiTokens('- name: ci\n', 'BATON_API_TOKENS')).toThrow(
      /^BATON_API_TOKENS: must be a map with one key, "tokens", holding a list of entries\. Expected:\ntokens:\n/,
    );
    expect(() => parseApiTokens('tokens: [', 'BATON_API_TOKENS')).toThrow(
      /^BATON_API_TOKENS: is not valid YAML or JSON \(/,
    );
  });

  it('reads the file named by BATON_API_TOKENS_FILE, or the inline text, not both', () => {
    const text = `tokens: [{ name: ci, scopes: [releases:write], sha256: ${sha} }]`;
    expect(apiTokensFrom({ BATON_API_TOKENS_FILE: '/etc/baton/tokens.yaml' }, () => text)).toHaveLength(1);
    expect(apiTokensFrom({ BATON_API_TOKENS: text })).toHaveLength(1);
    expect(apiTokensFrom({})).toEqual([]);
    expect(() => apiTokensFrom({ BATON_API_TOKENS_FILE: 'a', BATON_API_TOKENS: text })).toThrow(
      'Both BATON_API_TOKENS_FILE and BATON_API_TOKENS are set',
    );
    expect(() =>
      apiTokensFrom({ BATON_API_TOKENS_FILE: '/nope/tokens.yaml' }, () => {
        throw new Error('ENOENT: no such file or directory');
      }),
    ).toThrow(
      'Cannot read the token file /nope/tokens.yaml (BATON_API_TOKENS_FILE): ENOENT: no such file or directory. Fix the path, or unset BATON_API_TOKENS_FILE to run without API tokens.',
    );
  });
});

describe('checking a token', () => {
  const head = (authorization?: string): RequestHead => ({
    method: 'GET',
    path: '/api/promotions/evidence',
    query: new URLSearchParams(),
    headers: authorization ? { authorization } : {},
    remoteAddress: '127.0.0.1',
  });

  it('finds the one entry a token hashes to, whatever its place in the list', () => {
    const tokens = [newApiToken(), newApiToken(), newApiToken()];
    expect(tokens[0]).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    const set = apiTokenSet(
      tokens.map((token, index) => ({ name: `t${index}`, scopes: ['evidence:read'], sha256: hashApiToken(token) })),
    );
    expect(tokens.map((token) => set.find(token)?.name)).toEqual(['t0', 't1', 't2']);
    expect(set.find('')).toBeUndefined();
    expect(set.find(`${tokens[0]}x`)).toBeUndefined();
  });

  it('names the caller it admits', async () => {
    const check = requireScope(apiTokenSet(TEST_API_TOKENS), 'evidence:read');
    expect(await check(head(`Bearer ${EVIDENCE_TOKEN}`))).toEqual({
      allowed: true,
      caller: { name: 'test-auditor', via: 'token', scopes: ['evidence:read'] },
    });
  });

  it('anyOf admits what any check admits, and otherwise answers with the most telling refusal', async () => {
    const refuse =
      (status: number, error: string): AccessCheck =>
      () => ({ allowed: false, refusal: { status, json: { error } } });
    const admit: AccessCheck = () => ({ allowed: true, caller: { name: 'alice', via: 'session' } });
    expect(await anyOf(refuse(401, 'sign in'), admit)(head())).toEqual({
      allowed: true,
      caller: { name: 'alice', via: 'session' },
    });
    expect(await anyOf(refuse(401, 'send a token'), refuse(401, 'sign in'))(head())).toMatchObject({
      refusal: { status: 401, json: { error: 'send a token' } },
    });
    expect(await anyOf(refuse(401, 'sign in'), refuse(403, 'lacks the scope'))(head())).toMatchObject({
      refusal: { status: 403 },
    });
    const tokenOrPerson = anyOf(requireScope(apiTokenSet(TEST_API_TOKENS), 'evidence:read'), refuse(401, 'sign in'));
    expect(await tokenOrPerson(head(`Bearer ${EVIDENCE_TOKEN}`))).toMatchObject({
      allowed: true,
      caller: { name: 'test-auditor' },
    });
  });
});
