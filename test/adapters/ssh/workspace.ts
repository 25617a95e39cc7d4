/**
 * Three real sshd servers stand in for three VMs (they share this machine's
 * file system, so a test can look at what the remote commands did). The
 * deploy scripts keep each host's version in a state folder and remember the
 * step ids they applied: the idempotency pattern the README recommends.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import type { SshConfig } from '../../../adapters/ssh/schema.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';
import { makeLogin, startOpenSshServer, type OpenSshServer, type SshLogin } from './openssh-server.ts';

/** Shared by every script: which file holds the state of the host this runs "on". */
const STATE_OF_HOST = `state="$STATE_DIR/$(printf '%s' "$BATON_HOST" | tr ':' '_')"`;

const SCRIPTS: Record<string, string> = {
  // deploy.sh VERSION STEP_ID: does nothing when this host already applied the step.
  'deploy.sh': `set -eu
${STATE_OF_HOST}
echo "start $BATON_HOST" >> "$STATE_DIR/journal"
if grep -qxF "$2" "$state.steps" 2>/dev/null; then
  echo "step $2 already applied on $BATON_HOST"
else
  if [ "\${FAIL_ON_HOST:-}" = "$BATON_HOST" ]; then
    echo "disk full on $BATON_HOST" >&2
    exit 3
  fi
  # With STARTS_BEFORE_DEPLOY=N, wait (up to 20 s) until N hosts have started: only hosts that run at once get past it together.
  waited=0
  while [ "$(grep -c '^start ' "$STATE_DIR/journal")" -lt "\${STARTS_BEFORE_DEPLOY:-0}" ] && [ "$waited" -lt 200 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  printf '%s\\n' "$1" > "$state.version"
  printf '%s\\n' "$2" >> "$state.steps"
  echo "deployed $1 on $BATON_HOST"
fi
echo "end $BATON_HOST" >> "$STATE_DIR/journal"
`,
  'current.sh': `${STATE_OF_HOST}
echo "reading $state.version" >&2
cat "$state.version" 2>/dev/null || true
`,
  // rollback.sh VERSION: the version arrives both as an argument and in the environment.
  'rollback.sh': `set -eu
${STATE_OF_HOST}
if [ "$1" != "$BATON_ROLLBACK_TO" ]; then
  echo "argument '$1' and BATON_ROLLBACK_TO '$BATON_ROLLBACK_TO' differ" >&2
  exit 4
fi
printf '%s\\n' "$1" > "$state.version"
echo "rollback to $1 on $BATON_HOST" >> "$STATE_DIR/journal"
`,
};

export interface SshLab {
  login: SshLogin;
  servers: OpenSshServer[];
  stop(): Promise<void>;
}

export async function startSshLab(serverCount = 3): Promise<SshLab> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-ssh-login-'));
  const login = await makeLogin(dir);
  const servers: OpenSshServer[] = [];
  try {
    for (let index = 0; index < serverCount; index += 1) servers.push(await startOpenSshServer(login));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  return {
    login,
    servers,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Workspace {
  dir: string;
  stateDir: string;
  knownHostsFile: string;
  hosts: string[];
  /** Settings that deploy `2.0.0` with batches of 2, observe and roll back. */
  settings(overrides?: Partial<SshConfig>): SshConfig;
  context(config: SshConfig, overrides?: Partial<AdapterContext<SshConfig>>): TestAdapterContext<SshConfig>;
  script(name: string, source: string): Promise<string>;
  versionOn(host: string): Promise<string | null>;
  journal(): Promise<string[]>;
  remove(): Promise<void>;
}

function stateFile(stateDir: string, host: string): string {
  return join(stateDir, host.replaceAll(':', '_'));
}

export async function makeWorkspace(lab: SshLab): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-ssh-'));
  const stateDir = join(dir, 'state');
  await mkdir(stateDir);
  const knownHostsFile = join(dir, 'known_hosts');
  await writeFile(knownHostsFile, lab.servers.map((server) => `${server.knownHostsLine}\n`).join(''));
  for (const [name, source] of Object.entries(SCRIPTS)) await writeFile(join(dir, name), source);
  const hosts = lab.servers.map((server) => server.entry);
  for (const host of hosts) await writeFile(`${stateFile(stateDir, host)}.version`, '1.0.0\n');

  return {
    dir,
    stateDir,
    knownHostsFile,
    hosts,
    settings: (overrides = {}) => ({
      hosts,
      user: lab.login.user,
      privateKey: lab.login.key.privateKeyPem,
      knownHosts: 'known_hosts',
      command: ['sh', join(dir, 'deploy.sh'), '2.0.0', '{{BATON_STEP_ID}}'],
      currentCommand: ['sh', join(dir, 'current.sh')],
      rollbackCommand: ['sh', join(dir, 'rollback.sh'), '{{BATON_ROLLBACK_TO}}'],
      batchSize: 2,
      connectTimeout: '10s',
      env: { STATE_DIR: stateDir },
      ...overrides,
    }),
    context: (config, overrides = {}) =>
      makeAdapterContext({
        config,
        configDir: dir,
        workDir: join(dir, 'work'),
        version: '2.0.0',
        previousVersion: '1.0.0',
        ...overrides,
      }),
    script: async (name, source) => {
      const file = join(dir, name);
      await writeFile(file, source);
      return file;
    },
    versionOn: async (host) => {
      const file = `${stateFile(stateDir, host)}.version`;
      return existsSync(file) ? (await readFile(file, 'utf8')).trim() : null;
    },
    journal: async () => {
      const file = join(stateDir, 'journal');
      return existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '') : [];
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Adds lines to a workspace's known_hosts file. */
export async function trustAlso(workspace: Workspace, lines: string): Promise<void> {
  await appendFile(workspace.knownHostsFile, lines);
}
