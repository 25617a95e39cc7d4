/**
 * Host key checks and logins against real OpenSSH servers: nothing runs on a
 * host Baton cannot verify, and every refusal says what was offered and how
 * to fix it. The advice is followed here with the real ssh-keyscan and
 * ssh-keygen to prove it works.
 */
import { execFile } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { sshAdapter } from '../../../adapters/ssh/index.ts';
import { makeKeyPair, type KeyPair } from './openssh-server.ts';
import { makeWorkspace, startSshLab, type SshLab, type Workspace } from './workspace.ts';

const run = promisify(execFile);

let lab: SshLab;
let workspace: Workspace;
let stranger: KeyPair;

beforeAll(async () => {
  lab = await startSshLab(2);
});

afterAll(async () => {
  await lab.stop();
});

beforeEach(async () => {
  workspace = await makeWorkspace(lab);
  stranger = await makeKeyPair(workspace.dir, 'stranger_ed25519');
});

afterEach(async () => {
  await workspace.remove();
});

function server(index: number) {
  const found = lab.servers[index];
  if (found === undefined) throw new Error(`no server ${index}`);
  return found;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the promise to reject with an Error');
  return error;
}

function strangerLine(host: string, port: number): string {
  const [type, base64] = stranger.publicKey.split(' ');
  return `[${host}]:${port} ${type} ${base64}\n`;
}

describe('ssh adapter: host keys', () => {
  it('refuses a host whose key differs from known_hosts, showing the fingerprint it offered', async () => {
    const impostor = server(1);
    await writeFile(
      workspace.knownHostsFile,
      server(0).knownHostsLine + '\n' + strangerLine('127.0.0.1', impostor.port),
    );
    const ctx = workspace.context(workspace.settings({ batchSize: 1 }));
    const error = await failure(sshAdapter.apply(ctx));

    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `${impostor.entry}: the host key has CHANGED: it offered ED25519 key ${impostor.hostKey.fingerprint}`,
    );
    expect(error.message).toContain(`lists ${stranger.fingerprint} (line 2)`);
    expect(error.message).toContain(`ssh-keygen -R '[127.0.0.1]:${impostor.port}' -f ${workspace.knownHostsFile}`);
    expect(error.message).toContain(`ssh-keyscan -p ${impostor.port} 127.0.0.1 >> ${workspace.knownHostsFile}`);
    expect(error.message).toContain(`Not changed: ${impostor.entry}.`);
    expect(await workspace.versionOn(impostor.entry)).toBe('1.0.0');
    expect(await workspace.versionOn(server(0).entry)).toBe('2.0.0');
  });

  it('refuses an unknown host, and the ssh-keyscan line it suggests makes it known', async () => {
    const unknown = server(1);
    await writeFile(workspace.knownHostsFile, `${server(0).knownHostsLine}\n`);
    const ctx = workspace.context(workspace.settings());
    const error = await failure(sshAdapter.plan(ctx));

    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `${unknown.entry}: unknown host: it offered ED25519 key ${unknown.hostKey.fingerprint}`,
    );
    expect(error.message).toContain(`which is not in ${workspace.knownHostsFile}`);
    expect(error.message).toContain('Baton does not trust a host on first use');
    expect(error.message).toContain(`ssh-keyscan -p ${unknown.port} 127.0.0.1 >> ${workspace.knownHostsFile}`);
    expect(error.message).toContain(`or add "${unknown.hostKey.fingerprint}" to \`hostKeys\``);

    const { stdout } = await run('ssh-keyscan', ['-p', String(unknown.port), '127.0.0.1']);
    await appendFile(workspace.knownHostsFile, stdout);
    expect((await sshAdapter.plan(ctx)).changes).toBe(true);
  });

  it('reads hashed known_hosts entries (ssh-keygen -H)', async () => {
    await run('ssh-keygen', ['-H', '-f', workspace.knownHostsFile]);
    const ctx = workspace.context(workspace.settings());
    await sshAdapter.apply(ctx);
    expect(
      ctx.logged.some((line) =>
        line.includes(`[${server(0).entry}] host key ${server(0).hostKey.fingerprint} matches line`),
      ),
    ).toBe(true);
    for (const host of workspace.hosts) expect(await workspace.versionOn(host)).toBe('2.0.0');
  });

  it('accepts hosts whose fingerprints are listed in hostKeys, without a known_hosts file', async () => {
    const settings = workspace.settings({
      knownHosts: undefined,
      hostKeys: lab.servers.map((each) => each.hostKey.fingerprint),
    });
    await sshAdapter.apply(workspace.context(settings));
    for (const host of workspace.hosts) expect(await workspace.versionOn(host)).toBe('2.0.0');
  });

  it('refuses a host whose fingerprint is not in hostKeys', async () => {
    const settings = workspace.settings({ knownHosts: undefined, hostKeys: [server(0).hostKey.fingerprint] });
    const error = await failure(sshAdapter.apply(workspace.context(settings)));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `${server(1).entry}: unknown host: it offered ED25519 key ${server(1).hostKey.fingerprint}, which is not among \`hostKeys\``,
    );
    expect(error.message).not.toContain('ssh-keyscan');
  });

  it('refuses a key marked @revoked even when it is also listed for the host', async () => {
    const [type, base64] = server(0).hostKey.publicKey.split(' ');
    await appendFile(workspace.knownHostsFile, `@revoked * ${type} ${base64}\n`);
    const error = await failure(sshAdapter.apply(workspace.context(workspace.settings())));
    expect(error.message).toContain(
      `${server(0).entry}: revoked host key: it offered ED25519 key ${server(0).hostKey.fingerprint}, which line 3 of`,
    );
    expect(error.message).toContain('marks @revoked');
  });

  it('with insecureAcceptAnyHostKey, connects anyway but says so loudly in the plan and the log', async () => {
    const settings = workspace.settings({ knownHosts: undefined, insecureAcceptAnyHostKey: true });
    const preview = await sshAdapter.plan(workspace.context(settings));
    expect(preview.summary).toMatch(/^HOST KEYS NOT CHECKED \(insecureAcceptAnyHostKey\)/);
    expect(preview.details[0]).toContain('WARNING: insecureAcceptAnyHostKey is on');
    const ctx = workspace.context(settings);
    await sshAdapter.apply(ctx);
    expect(ctx.logged).toContain(
      `[${server(0).entry}] host key ${server(0).hostKey.fingerprint} accepted WITHOUT checking (insecureAcceptAnyHostKey)`,
    );
  });

  it('refuses a host that offers none of the key types known_hosts records for it', async () => {
    const rsa = join(workspace.dir, 'recorded_rsa');
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa]);
    const [type, base64] = (await run('cat', [`${rsa}.pub`])).stdout.split(' ');
    await writeFile(workspace.knownHostsFile, `[127.0.0.1]:${server(0).port} ${type} ${base64}\n`);
    const error = await failure(sshAdapter.apply(workspace.context(workspace.settings({ hosts: [server(0).entry] }))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(`${server(0).entry}: offers no host key of the types known_hosts lists for it`);
    expect(await workspace.versionOn(server(0).entry)).toBe('1.0.0');
  });

  it('says how to create the known_hosts file when it is missing', async () => {
    const error = await failure(
      sshAdapter.plan(workspace.context(workspace.settings({ knownHosts: 'ssh/missing_known_hosts' }))),
    );
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `The known_hosts file ${join(workspace.dir, 'ssh/missing_known_hosts')} (\`knownHosts\`) does not exist`,
    );
    expect(error.message).toContain('ssh-keyscan');
  });
});

describe('ssh adapter: logging in', () => {
  it('says which key a host refused and where to authorize it', async () => {
    const settings = workspace.settings({ privateKey: stranger.privateKeyPem });
    const error = await failure(sshAdapter.apply(workspace.context(settings)));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `${server(0).entry}: user "${lab.login.user}" may not log in with the key ${stranger.fingerprint}`,
    );
    expect(error.message).toContain(`~${lab.login.user}/.ssh/authorized_keys`);
  });

  it('reads privateKeyFile relative to the config folder', async () => {
    const settings = workspace.settings({ privateKey: undefined, privateKeyFile: 'deploy_key' });
    await writeFile(join(workspace.dir, 'deploy_key'), lab.login.key.privateKeyPem);
    await sshAdapter.apply(workspace.context(settings));
    expect(await workspace.versionOn(server(0).entry)).toBe('2.0.0');
  });

  it('accepts a key whose newlines were flattened to \\n, as secrets in environment variables often are', async () => {
    const settings = workspace.settings({ privateKey: lab.login.key.privateKeyPem.replaceAll('\n', '\\n') });
    await sshAdapter.apply(workspace.context(settings));
    expect(await workspace.versionOn(server(1).entry)).toBe('2.0.0');
  });

  it('refuses a key with a passphrase before contacting any host, without showing the key', async () => {
    const file = join(workspace.dir, 'locked_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', file]);
    const ctx = workspace.context(workspace.settings({ privateKey: undefined, privateKeyFile: 'locked_ed25519' }));
    const error = await failure(sshAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('protected by a passphrase');
    expect(error.message).toContain("ssh-keygen -t ed25519 -N '' -f deploy_ed25519");
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(ctx.logged).toEqual([]);
  });

  it('refuses text that is not a private key, without echoing it', async () => {
    const error = await failure(
      sshAdapter.apply(workspace.context(workspace.settings({ privateKey: 'hunter2-not-a-key' }))),
    );
    expect(error.message).toContain('`privateKey` is not a private key Baton can use');
    expect(error.message).not.toContain('hunter2');
  });

  it('asks for another attempt when nothing listens on the port', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const ctx = workspace.context(workspace.settings({ hosts: [`127.0.0.1:${port}`] }));
    const error = await failure(sshAdapter.apply(ctx));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain(`127.0.0.1:${port}: connection refused: nothing listens on port ${port}`);
    expect(error.message).toContain('Another attempt may pass');
  });
});
