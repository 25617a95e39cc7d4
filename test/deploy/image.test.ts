/**
 * Baton's image as an operator meets it: the real Dockerfile built with buildah
 * on a stand-in for node:24-bookworm-slim (test/harness/node-image), then run:
 * `baton validate`, the server answering /readyz, its health check, SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNodeBaseStandIn } from '../harness/node-image/stand-in-base.ts';
import { buildah, buildahRunInBackground, imageConfig, type ImageConfig } from './buildah.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'localhost/baton:image-test';

let config: ImageConfig;
let container: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Runs a command in the image's container as the image's user, through the image's own entry point when asked. */
function inContainer(args: string[], env: Record<string, string> = {}): string[] {
  // chroot isolation has no PID namespace, so tini is not PID 1: it must register as a subreaper to reap.
  const withEnv = Object.entries({ TINI_SUBREAPER: '1', ...env }).flatMap(([name, value]) => [
    '--env',
    `${name}=${value}`,
  ]);
  return ['--isolation', 'chroot', ...withEnv, container, '--', ...args];
}

async function readyWithin(url: string, timeoutMs: number, server: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && server.exitCode === null) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/** The process started as `command` among the descendants of `root`: without a PID namespace they are this machine's processes. */
async function descendantRunning(root: number, command: string): Promise<number | undefined> {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!stat) continue;
    parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    commands.set(pid, cmdline.split('\0')[0] ?? '');
  }
  const isDescendant = (pid: number): boolean => {
    for (let parent = parents.get(pid); parent !== undefined && parent > 1; parent = parents.get(parent))
      if (parent === root) return true;
    return false;
  };
  return [...commands].find(([pid, cmd]) => cmd === command && isDescendant(pid))?.[0];
}

function exited(process: ChildProcess): Promise<number | null> {
  return process.exitCode !== null
    ? Promise.resolve(process.exitCode)
    : new Promise((resolve) => process.once('exit', (code) => resolve(code)));
}

describe('the container image', () => {
  beforeAll(async () => {
    const base = await ensureNodeBaseStandIn();
    console.log(
      `stand-in for node:24-bookworm-slim (Node ${base.nodeVersion}): ${base.built ? 'built' : 'reused'} in ${base.seconds.toFixed(1)} s`,
    );
    const started = Date.now();
    await buildah(
      [
        'bud',
        '--isolation',
        'chroot',
        '--pull=never',
        '--layers',
        '--format',
        'docker',
        '--tag',
        IMAGE,
        '--file',
        `${REPO}Dockerfile`,
        REPO,
      ],
      1_200_000,
    );
    console.log(`Baton's image built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    config = (await imageConfig(IMAGE)) ?? {};
    container = (await buildah(['from', '--pull=never', IMAGE])).stdout.trim();
  }, 1_800_000);

  afterAll(async () => {
    if (container) await buildah(['rm', container]);
  });

  it('runs as the unprivileged node user through tini, keeps its records in /data and checks its own health', () => {
    expect(config.User).toBe('node');
    expect(config.Entrypoint?.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(config.Env).toContain('BATON_DATA_DIR=/data');
    expect(config.Healthcheck?.Test?.join(' ')).toMatch(/\/healthz/);
  });

  it('validates the bundled example with `baton validate`', async () => {
    const { stdout } = await buildah(['run', ...inContainer([...(config.Entrypoint ?? []), 'validate'])]);
    expect(stdout).toMatch(/baton\.example\.yaml: valid — 3 environments \(dev → staging → production\), 4 components/);
  }, 120_000);

  it('answers /readyz, passes its health check, writes only under /data and stops on SIGTERM', async () => {
    const port = await freePort();
    const started = Date.now();
    // Listening on 0.0.0.0 as the image does needs a console login: here a trusted proxy on loopback.
    const server = buildahRunInBackground(
      inContainer([...(config.Entrypoint ?? []), ...(config.Cmd ?? [])], {
        PORT: String(port),
        BATON_TRUSTED_PROXIES: '127.0.0.1',
      }),
    );
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      expect(
        await readyWithin(`http://127.0.0.1:${port}/readyz`, 60_000, server),
        `Baton in the image did not answer /readyz:\n${output}`,
      ).toBe(true);
      console.log(
        `Baton in the image: /readyz answered ${((Date.now() - started) / 1000).toFixed(2)} s after \`buildah run\``,
      );

      // The HEALTHCHECK's own command, run in the container as Docker would: it fails the test by exiting non-zero.
      await buildah(['run', ...inContainer(config.Healthcheck?.Test?.slice(1) ?? ['false'], { PORT: String(port) })]);

      const tini = await descendantRunning(server.pid ?? -1, '/usr/bin/tini');
      expect(tini, 'tini is not among the processes buildah started').toBeDefined();
      const stopping = Date.now();
      process.kill(tini ?? -1, 'SIGTERM');
      expect(await exited(server)).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
      expect(output).toMatch(/Baton is running: .*\(memory engine, records in \/data,/);
      expect(output).toMatch(/SIGTERM: stopping/);
      expect(output).toMatch(/Stopped: every running step finished and is recorded\./);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }

    // buildah mounts a volume at the image's VOLUME /data; anything else the run wrote is in the container's overlay upper layer.
    const merged = (await buildah(['mount', container])).stdout.trim();
    const written = await readdir(merged.replace(/\/merged$/, '/diff'), { recursive: true });
    await buildah(['umount', container]);
    // buildah itself writes the network files and /run.
    const allowed = ['data', 'etc/hosts', 'etc/resolv.conf', 'etc/hostname', 'run'];
    expect(
      written.filter(
        (path) =>
          !allowed.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || prefix.startsWith(`${path}/`)),
      ),
    ).toEqual([]);
  }, 180_000);
});
