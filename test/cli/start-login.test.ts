/** `baton start` off loopback: a console login is required, and the error says how to configure one. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The environment without any login setting a developer's shell might carry. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^BATON_(OIDC_|PUBLIC_URL|TRUSTED_PROXIES|SESSION_|HOST)|^SLACK_|^REDIS_URL$/.test(name),
    ),
  );
  return { ...env, BATON_DATA_DIR: mkdtempSync(join(tmpdir(), 'baton-cli-')), ...extra };
}

function batonStart(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/baton.js', 'start', '--port', '0', ...args], {
    encoding: 'utf8',
    env: cleanEnv(env),
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('baton start off loopback', () => {
  it('refuses to serve the console on 0.0.0.0 without a login, naming both ways to configure one', () => {
    const result = batonStart({}, '--host', '0.0.0.0');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'Baton would listen on 0.0.0.0, which other machines can reach, and no console login is configured',
    );
    for (const name of [
      'BATON_OIDC_ISSUER',
      'BATON_OIDC_CLIENT_ID',
      'BATON_OIDC_CLIENT_SECRET',
      'BATON_PUBLIC_URL',
      'BATON_OIDC_ALLOWED_DOMAINS',
      'BATON_TRUSTED_PROXIES',
      'X-Forwarded-User',
    ]) {
      expect(result.stderr).toContain(name);
    }
  });

  it('refuses BATON_HOST=0.0.0.0 (the container default) the same way', () => {
    const result = batonStart({ BATON_HOST: '0.0.0.0' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no console login is configured');
  });

  it('says which login setting is wrong', () => {
    const result = batonStart({ BATON_TRUSTED_PROXIES: 'the-proxy' }, '--host', '0.0.0.0');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'BATON_TRUSTED_PROXIES has "the-proxy", which is not an IP address or a CIDR range',
    );
  });

  it('on Redis with OIDC, refuses to start without a shared session key', () => {
    const result = batonStart(
      {
        REDIS_URL: 'redis://127.0.0.1:1',
        BATON_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
        BATON_OIDC_ISSUER: 'https://login.example.com',
        BATON_OIDC_CLIENT_ID: 'baton',
        BATON_OIDC_CLIENT_SECRET: 'secret',
        BATON_PUBLIC_URL: 'https://baton.example.com',
        BATON_OIDC_ALLOWED_DOMAINS: 'example.com',
      },
      '--host',
      '0.0.0.0',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('BATON_SESSION_KEY is not set. On Redis, several Baton bots may serve the console');
  });
});
