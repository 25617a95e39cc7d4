/**
 * A throwaway OpenSSH sshd (the real one, /usr/sbin/sshd) on a free loopback
 * port, with its own host key, for tests. Logs in as the user running the
 * tests with a key made here. Fails with install advice when sshd is missing.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SSHD = '/usr/sbin/sshd';
const INSTALL = 'apt-get install -y openssh-server (it brings ssh-keygen and ssh-keyscan too)';

/** Where sshd running as root insists on an empty root-owned folder to sandbox itself (Debian makes it at boot). */
const PRIVILEGE_SEPARATION_DIR = '/run/sshd';

const run = promisify(execFile);

export interface KeyPair {
  privateKeyFile: string;
  privateKeyPem: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
  /** `SHA256:…`, as ssh-keygen -lf prints it. */
  fingerprint: string;
}

export interface OpenSshServer {
  host: string;
  port: number;
  /** How the settings name this server: `127.0.0.1:PORT`. */
  entry: string;
  hostKey: KeyPair;
  /** The line `ssh-keyscan` would print for this server. */
  knownHostsLine: string;
  /** What sshd logged so far (it runs with -e). */
  log(): string;
  stop(): Promise<void>;
}

export interface SshLogin {
  user: string;
  key: KeyPair;
  authorizedKeysFile: string;
}

function requireOpenSsh(): void {
  for (const program of [SSHD, '/usr/bin/ssh-keygen', '/usr/bin/ssh-keyscan']) {
    if (!existsSync(program)) throw new Error(`These tests need OpenSSH's ${program}: ${INSTALL}.`);
  }
}

export async function makeKeyPair(dir: string, name: string): Promise<KeyPair> {
  requireOpenSsh();
  const privateKeyFile = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `baton-test-${name}`, '-f', privateKeyFile]);
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${privateKeyFile}.pub`]);
  const fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(stdout)?.[0];
  if (fingerprint === undefined) throw new Error(`ssh-keygen -l printed no fingerprint: ${stdout}`);
  return {
    privateKeyFile,
    privateKeyPem: await readFile(privateKeyFile, 'utf8'),
    publicKey: (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim(),
    fingerprint,
  };
}

/** A key for the user running the tests, authorized in a file the servers read instead of ~/.ssh. */
export async function makeLogin(dir: string): Promise<SshLogin> {
  const key = await makeKeyPair(dir, 'user_ed25519');
  const authorizedKeysFile = join(dir, 'authorized_keys');
  await writeFile(authorizedKeysFile, `${key.publicKey}\n`);
  return { user: userInfo().username, key, authorizedKeysFile };
}

/** Port 0 is not allowed in sshd_config, so take one the kernel just handed out. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitUntilListening(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`sshd did not start listening within 10s:\n${output()}`)),
      10_000,
    );
    const check = (): void => {
      if (!output().includes('Server listening on')) return;
      clearTimeout(deadline);
      resolve();
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`sshd exited with code ${code} before listening:\n${output()}`));
    });
  });
}

/**
 * OpenSSH 9.8+ penalises a source address whose connections fail to log in,
 * refusing it for a while: the tests refuse host keys on purpose, from
 * 127.0.0.1, so they turn that off where sshd knows the option.
 */
async function knowsPerSourcePenalties(configFile: string): Promise<boolean> {
  try {
    await run(SSHD, ['-t', '-f', configFile, '-o', 'PerSourcePenalties=no']);
    return true;
  } catch {
    return false;
  }
}

export async function startOpenSshServer(login: SshLogin): Promise<OpenSshServer> {
  requireOpenSsh();
  if (process.getuid?.() === 0 && !existsSync(PRIVILEGE_SEPARATION_DIR)) {
    await mkdir(PRIVILEGE_SEPARATION_DIR, { mode: 0o755 });
  }
  const dir = await mkdtemp(join(tmpdir(), 'baton-sshd-'));
  const hostKey = await makeKeyPair(dir, 'ssh_host_ed25519_key');
  const port = await freePort();
  const configFile = join(dir, 'sshd_config');
  const settings = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey.privateKeyFile}`,
    `AuthorizedKeysFile ${login.authorizedKeysFile}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'LogLevel VERBOSE',
  ];
  await writeFile(configFile, `${settings.join('\n')}\n`);
  if (await knowsPerSourcePenalties(configFile))
    await writeFile(configFile, `${settings.join('\n')}\nPerSourcePenalties no\n`);

  let output = '';
  const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitUntilListening(child, () => output);
  const [type, base64] = hostKey.publicKey.split(' ');
  return {
    host: '127.0.0.1',
    port,
    entry: `127.0.0.1:${port}`,
    hostKey,
    knownHostsLine: `[127.0.0.1]:${port} ${type} ${base64}`,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
