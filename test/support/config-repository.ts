/**
 * A real config repository for gitops tests: a bare repository on disk (the
 * "remote") seeded with the files a test gives, plus helpers to look at it
 * the way a colleague, or Argo CD, would.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const IDENTITY = ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.test', '-c', 'commit.gpgSign=false'];

/** A developer's own git settings (signing, hook paths) must not change what tests see, in git run by tests or by Baton. */
export function ignoreUserGitConfig(): void {
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
}

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
  /** A fresh clone of the remote's main branch into `root/<name>`, as Argo CD would check it out. */
  clone(name: string): string;
  /** A colleague clones, changes files and pushes, as people do. */
  pushAsColleague(files: Record<string, string>, message: string): string;
  /** Installs a server-side hook in the bare repository. */
  hook(name: 'pre-receive' | 'post-receive', script: string): void;
  remove(): Promise<void>;
}

export function makeConfigRepository(files: Record<string, string>): ConfigRepository {
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
    clone(name) {
      const folder = join(root, name);
      git(root, 'clone', '--quiet', '--branch', 'main', remote, folder);
      return folder;
    },
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
