// The api's desired state lives in git, one file per environment, as with
// Argo CD or Flux: a promotion is a commit. The repository is created on
// first use under the step's work folder (a bare "remote" and a clone).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { environment, version } from './state.mjs';

const workDir = resolve(process.env.BATON_WORK_DIR ?? '.');
const remote = join(workDir, 'gitops.git');
const clone = join(workDir, 'gitops');
const file = join(clone, 'environments', environment, 'api.yaml');
const git = (...args) =>
  execFileSync(
    'git',
    ['-c', 'user.name=Baton', '-c', 'user.email=baton@localhost', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd: clone,
      encoding: 'utf8',
    },
  ).trim();

function ensureRepository() {
  if (existsSync(join(clone, '.git'))) {
    git('pull', '--quiet', '--rebase', 'origin', 'main');
    return;
  }
  mkdirSync(workDir, { recursive: true });
  execFileSync('git', ['-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', remote]);
  mkdirSync(clone, { recursive: true });
  git('init', '--quiet');
  git('remote', 'add', 'origin', remote);
  writeFileSync(join(clone, 'README.md'), '# Desired state of the api, one folder per environment\n');
  git('add', 'README.md');
  git('commit', '--quiet', '-m', 'Start the gitops repository');
  git('push', '--quiet', '-u', 'origin', 'main');
}

function runningVersion() {
  if (!existsSync(file)) return undefined;
  return /image: .*:(\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
}

function manifest(tag) {
  return [
    `# api in ${environment}, written by Baton: change it with /promote, not by hand.`,
    `image: ${process.env.IMAGE}:${tag}`,
    'env:',
    `  QUEUE_URL: ${process.env.QUEUE_URL}`,
    '',
  ].join('\n');
}

function commit(message) {
  git('add', '-A');
  if (git('status', '--porcelain') === '') {
    console.log('nothing to commit: the file already says so');
    return;
  }
  git('commit', '--quiet', '-m', message);
  git('push', '--quiet', 'origin', 'main');
  console.log(`pushed ${git('rev-parse', '--short', 'HEAD')}: ${message}`);
}

const [action] = process.argv.slice(2);
const promotion = process.env.BATON_PROMOTION_ID;
ensureRepository();
if (action === 'current') {
  const current = runningVersion();
  if (current) console.log(current);
} else if (action === 'plan') {
  const current = runningVersion();
  console.log(
    current === version
      ? `environments/${environment}/api.yaml already at ${version}`
      : `commit environments/${environment}/api.yaml: ${current ?? '(new file)'} → ${version}`,
  );
  console.log(`image: ${process.env.IMAGE}:${version}`);
  console.log(`QUEUE_URL: ${process.env.QUEUE_URL}`);
} else if (action === 'apply') {
  const wanted = manifest(version);
  if (existsSync(file) && readFileSync(file, 'utf8') === wanted) {
    console.log(`environments/${environment}/api.yaml already holds ${version}: nothing to commit`);
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, wanted);
    commit(`Promote api ${version} to ${environment} (promotion #${promotion})`);
  }
} else if (action === 'rollback') {
  const target = process.env.BATON_ROLLBACK_TO;
  if (target) writeFileSync(file, manifest(target));
  else rmSync(file, { force: true });
  commit(`Roll back api in ${environment} to ${target || 'nothing'} (promotion #${promotion})`);
} else {
  console.error(`usage: gitops.mjs current|plan|apply|rollback (got ${action})`);
  process.exit(64);
}
