/** `baton token create` as an operator runs it: the token it prints works once its entry is in the token file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBatonProcess, type BatonProcess } from '../support/baton-process.ts';

function baton(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/baton.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, BATON_API_TOKENS: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let running: BatonProcess | undefined;
let dir = '';
afterEach(async () => {
  await running?.kill();
  running = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('baton token create', () => {
  it('prints a new token once and the entry to add; with the entry in BATON_API_TOKENS_FILE, the token works for its scopes only', async () => {
    const created = baton({}, 'token', 'create', 'ci', '--scope', 'releases:write');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const token = /^(baton_[A-Za-z0-9_-]{43})$/m.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    const entry = /^ {2}- name: ci\n {4}scopes: \[releases:write\]\n {4}sha256: [0-9a-f]{64}$/m.exec(
      created.stdout,
    )?.[0];
    expect(entry).toBeDefined();
    expect(created.stdout).toContain('shown only this once');
    // Two runs never make the same token.
    expect(baton({}, 'token', 'create', 'ci', '--scope', 'releases:write').stdout).not.toContain(token);

    dir = mkdtempSync(join(tmpdir(), 'baton-token-'));
    const tokenFile = join(dir, 'tokens.yaml');
    writeFileSync(tokenFile, `tokens:\n${entry}\n`);
    const started = await startBatonProcess(
      ['start', '-c', 'config/baton.example.yaml', '--data-dir', join(dir, 'data'), '--port', '0'],
      { BATON_API_TOKENS_FILE: tokenFile, BATON_API_TOKENS: '' },
      /open (http:\/\/\S+) /,
    );
    running = started;
    const url = started.ready[1];
    const register = await fetch(`${url}/api/releases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: '2026.12.1', versions: { api: '1.6.0' } }),
    });
    expect(register.status).toBe(201);
    const evidence = await fetch(`${url}/api/promotions/evidence?id=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(evidence.status).toBe(403);
  });

  it('refuses an unknown scope or a bad name, saying which ones there are', () => {
    const scope = baton({}, 'token', 'create', 'ci', '--scope', 'release:write');
    expect(scope.code).toBe(1);
    expect(scope.stdout).toBe('');
    expect(scope.stderr).toBe(
      'Unknown scope "release:write": pass --scope with one or more of evidence:read, releases:write, metrics:read, e.g. baton token create ci --scope releases:write\n',
    );
    const name = baton({}, 'token', 'create', 'c i', '--scope', 'metrics:read');
    expect(name.code).toBe(1);
    expect(name.stderr).toContain('"c i" is not a token name');
  });

  it('makes baton start refuse a token file with a bad entry, naming the entry and the field', () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-token-'));
    const tokenFile = join(dir, 'tokens.yaml');
    writeFileSync(
      tokenFile,
      'tokens:\n  - name: ci\n    scopes: [releases:write]\n    sha256: baton_pasted-the-token\n',
    );
    const start = baton(
      { BATON_API_TOKENS_FILE: tokenFile, BATON_DATA_DIR: join(dir, 'data') },
      'start',
      '-c',
      'config/baton.example.yaml',
      '--port',
      '0',
    );
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(
      `BATON_API_TOKENS_FILE (${tokenFile}): 1 problem:\ntokens[0] ("ci"): sha256 holds the token itself; store only its SHA-256 (the line \`baton token create\` prints, or \`printf %s "$TOKEN" | sha256sum\`)\n`,
    );
  });
});
