/**
 * A real config repository for gitops tests: a bare repository on disk (the
 * "remote") seeded with kustomize overlays, a Helm values file and a plain
 * multi-document manifest, plus helpers to look at it the way a colleague would.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const DEV_OVERLAY = 'apps/api/overlays/dev/kustomization.yaml';
export const PINNED_OVERLAY = 'apps/api/overlays/pinned/kustomization.yaml';
export const WORKER_VALUES = 'apps/worker/values-dev.yaml';
export const SITE_MANIFESTS = 'apps/site/manifests.yaml';
export const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;
export const NEW_DIGEST = `sha256:${'b'.repeat(64)}`;

/** Odd spacing, comments and quoting on purpose: none of it may change when Baton edits the file. */
const SEED_FILES: Record<string, string> = {
  'apps/api/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'apps/api/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:0.0.0
        - name: sidecar
          image: ghcr.io/acme/sidecar:0.0.0
`,
  [DEV_OVERLAY]: `# Dev overlay: Baton promotes the api here.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: dev
resources:
  - ../../base

images:
    # the sidecar stays pinned
  - name: ghcr.io/acme/sidecar
    newTag: "7.1"
  - name: ghcr.io/acme/api   # promoted by Baton
    newTag: 1.0.0    # keep this comment
labels:
  - pairs: {team: checkout,   tier: web}
`,
  'apps/api/overlays/production/kustomization.yaml': `resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    newTag: 0.9.0
`,
  [PINNED_OVERLAY]: `resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    digest: ${OLD_DIGEST}
`,
  [WORKER_VALUES]: `# Worker values for dev
replicaCount: 2
image:
  repository: ghcr.io/acme/worker
  tag: "1.0.0"   # set by Baton
  pullPolicy: IfNotPresent
resources: {}
`,
  [SITE_MANIFESTS]: `apiVersion: v1
kind: Service
metadata:
  name: site
  labels:
    version: untouched
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: site
spec:
  template:
    metadata:
      labels:
        app: site
        version: 1.0.0
`,
};

const IDENTITY = ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.test', '-c', 'commit.gpgSign=false'];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

export interface ConfigRepository {
  /** Path of the bare repository: what the `repo` setting points at. */
  remote: string;
  /** A scratch folder for this test (work folders, config folder, colleagues' clones). */
  root: string;
  /** A file's text on the remote branch. */
  fileOnRemote(path: string, branch?: string): string;
  /** Commit hashes on the remote branch, newest first. */
  commits(branch?: string): string[];
  /** The full message of a commit. */
  message(commit: string): string;
  /** Files a commit changed. */
  changedFiles(commit: string): string[];
  /** Commits on the branch whose message has `Baton-Step: <stepId>`. */
  commitsForStep(stepId: string, trailer?: string): string[];
  /** A colleague clones, changes files and pushes, as people do. */
  pushAsColleague(files: Record<string, string>, message: string): string;
  /** Installs a server-side hook in the bare repository. */
  hook(name: 'pre-receive' | 'post-receive', script: string): void;
  remove(): Promise<void>;
}

export function makeConfigRepository(files: Record<string, string> = SEED_FILES): ConfigRepository {
  const root = mkdtempSync(join(tmpdir(), 'baton-gitops-'));
  const remote = join(root, 'deploy.git');
  const seed = join(root, 'seed');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  git(root, 'clone', '--quiet', remote, seed);
  writeFiles(seed, files);
  git(seed, 'add', '--all');
  git(seed, 'commit', '--quiet', '-m', 'Seed the config repository');
  git(seed, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  let colleagues = 0;

  return {
    remote,
    root,
    fileOnRemote: (path, branch = 'main') => git(remote, 'show', `${branch}:${path}`),
    commits: (branch = 'main') => git(remote, 'log', '--format=%H', branch).trim().split('\n').filter(Boolean),
    message: (commit) => git(remote, 'log', '-1', '--format=%B', commit),
    changedFiles: (commit) =>
      git(remote, 'show', '--name-only', '--format=', commit).trim().split('\n').filter(Boolean),
    commitsForStep: (stepId, trailer = 'Baton-Step') =>
      git(remote, 'log', '--format=%H%x00%(trailers:key=' + trailer + ',valueonly)%x1e', 'main')
        .split('\x1e')
        .map((record) => record.trim().split('\x00'))
        .filter(([, value]) => value?.trim() === stepId)
        .map(([commit]) => commit ?? ''),
    pushAsColleague(changes, message) {
      colleagues += 1;
      const clone = join(root, `colleague-${colleagues}`);
      git(root, 'clone', '--quiet', remote, clone);
      writeFiles(clone, changes);
      git(clone, 'add', '--all');
      git(clone, 'commit', '--quiet', '-m', message);
      git(clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      return git(clone, 'rev-parse', 'HEAD').trim();
    },
    hook(name, script) {
      const path = join(remote, 'hooks', name);
      writeFileSync(path, `#!/bin/sh\n${script}\n`);
      chmodSync(path, 0o755);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
