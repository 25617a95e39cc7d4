/**
 * The known_hosts reader against files written the way OpenSSH writes them,
 * hashed ones made by the real `ssh-keygen -H`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../adapters/ssh/host-key-check.ts';
import { knownKeysFor, parseKnownHosts, revokedEntry } from '../../../adapters/ssh/known-hosts.ts';
import { makeKeyPair, type KeyPair } from './openssh-server.ts';

const run = promisify(execFile);

let dir: string;
let alpha: KeyPair;
let beta: KeyPair;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-known-hosts-'));
  [alpha, beta] = await Promise.all([makeKeyPair(dir, 'alpha'), makeKeyPair(dir, 'beta')]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `ssh-ed25519 AAAA…` without the comment. */
function key(pair: KeyPair): string {
  return pair.publicKey.split(' ').slice(0, 2).join(' ');
}

function fingerprintsFor(text: string, host: string, port: number): string[] {
  return knownKeysFor(parseKnownHosts(text), host, port).map((entry) => fingerprintOf(entry.key));
}

describe('known_hosts', () => {
  it('matches comma-separated names on port 22 and [host]:port on other ports, ignoring case', () => {
    const text = `web1,web1.example.com,10.0.0.5 ${key(alpha)}\n[web1]:2222 ${key(beta)}\n`;
    expect(fingerprintsFor(text, 'WEB1.example.com', 22)).toEqual([alpha.fingerprint]);
    expect(fingerprintsFor(text, '10.0.0.5', 22)).toEqual([alpha.fingerprint]);
    expect(fingerprintsFor(text, 'web1', 2222)).toEqual([beta.fingerprint]);
    expect(fingerprintsFor(text, 'web1', 2200)).toEqual([]);
    expect(fingerprintsFor(text, 'web2', 22)).toEqual([]);
  });

  it('matches * and ? wildcards, and a negated name rules its line out', () => {
    const text = `*.example.com,!bastion.example.com ${key(alpha)}\nweb? ${key(beta)}\n`;
    expect(fingerprintsFor(text, 'app.example.com', 22)).toEqual([alpha.fingerprint]);
    expect(fingerprintsFor(text, 'bastion.example.com', 22)).toEqual([]);
    expect(fingerprintsFor(text, 'example.com', 22)).toEqual([]);
    expect(fingerprintsFor(text, 'web7', 22)).toEqual([beta.fingerprint]);
    expect(fingerprintsFor(text, 'web17', 22)).toEqual([]);
  });

  it('matches names hashed by ssh-keygen -H, including [host]:port ones', async () => {
    const file = join(dir, 'hashed_known_hosts');
    await writeFile(file, `web1 ${key(alpha)}\n[10.0.0.5]:2222 ${key(beta)}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('web1');
    expect(text).toMatch(/^\|1\|/);
    expect(fingerprintsFor(text, 'web1', 22)).toEqual([alpha.fingerprint]);
    expect(fingerprintsFor(text, '10.0.0.5', 2222)).toEqual([beta.fingerprint]);
    expect(fingerprintsFor(text, '10.0.0.5', 22)).toEqual([]);
    expect(fingerprintsFor(text, 'web2', 22)).toEqual([]);
  });

  it('skips comments, blank and broken lines but keeps line numbers for messages', () => {
    const text = `# fleet\n\nthis line is broken\n|2|unknown|hash ${key(beta)}\nweb1 ${key(alpha)} deploy key\n`;
    const entries = knownKeysFor(parseKnownHosts(text), 'web1', 22);
    expect(entries.map((entry) => [entry.line, entry.keyType])).toEqual([[5, 'ssh-ed25519']]);
  });

  it('finds @revoked keys for the hosts their line names and leaves @cert-authority lines out of host keys', () => {
    const text = `@revoked * ${key(alpha)}\n@cert-authority *.example.com ${key(beta)}\nweb1 ${key(alpha)}\n`;
    const entries = parseKnownHosts(text);
    const alphaBlob = Buffer.from(key(alpha).split(' ')[1] ?? '', 'base64');
    const betaBlob = Buffer.from(key(beta).split(' ')[1] ?? '', 'base64');
    expect(revokedEntry(entries, 'web1', 22, alphaBlob)?.line).toBe(1);
    expect(revokedEntry(entries, 'web1', 22, betaBlob)).toBeUndefined();
    expect(fingerprintsFor(text, 'app.example.com', 22)).toEqual([]);
  });
});
