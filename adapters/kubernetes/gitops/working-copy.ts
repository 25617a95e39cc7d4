/**
 * One working copy per config repository under the step's work folder,
 * reused between steps and brought to the remote branch's head before every
 * use. Whatever an interrupted attempt left behind (a commit never pushed, a
 * half-written file) is thrown away by that reset.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdapterContext } from '../../kit/contract.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { gitStepError } from './failures.ts';
import { runGit, type GitOptions, type GitOutcome } from './git.ts';
import { repositoryKey, repositoryLocation, withoutCredentials, workingCopyFolderName } from './repository-address.ts';
import { withRepositoryLock } from './repository-lock.ts';
import type { GitopsSettings } from './schema.ts';

export interface WorkingCopy {
  dir: string;
  branch: string;
  /** The remote branch as last fetched: what everyone else sees. */
  remoteRef: string;
  /** The repository as people may see it: no credentials, secrets redacted. */
  display: string;
  git(args: readonly string[], options?: Pick<GitOptions, 'acceptExitCodes' | 'extraEnv'>): Promise<GitOutcome>;
  /** Runs git, turning a failure into a step error that says what Baton was doing. */
  gitFor(action: string, args: readonly string[]): Promise<GitOutcome>;
  /** Fetches the branch and resets the working copy to it. */
  sync(): Promise<void>;
}

type GitopsContext = AdapterContext<GitopsSettings>;

function repositoryDisplay(ctx: GitopsContext): string {
  return ctx.redact(withoutCredentials(repositoryLocation(ctx.config.repo, ctx.configDir)));
}

function openWorkingCopy(ctx: GitopsContext, location: string): WorkingCopy {
  const dir = join(ctx.workDir, 'gitops', workingCopyFolderName(location));
  const branch = ctx.config.branch;
  const remoteRef = `refs/remotes/origin/${branch}`;
  const display = repositoryDisplay(ctx);
  const git: WorkingCopy['git'] = (args, options = {}) =>
    runGit(args, { cwd: dir, signal: ctx.signal, programs: ctx.programs, stepId: ctx.stepId, ...options });
  const gitFor: WorkingCopy['gitFor'] = (action, args) =>
    git(args).catch((error: unknown) => {
      throw gitStepError(error, { action, repo: display, redact: ctx.redact });
    });

  const prepare = async (): Promise<void> => {
    if (!existsSync(join(dir, '.git'))) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await gitFor('create a working copy', ['init', '--quiet']);
      await gitFor('create a working copy', ['remote', 'add', 'origin', location]);
      return;
    }
    // A rotated token changes the URL but not the repository.
    await gitFor('update the working copy', ['remote', 'set-url', 'origin', location]);
    // Only this process uses the copy, and only under the lock: a lock file is what a killed git left behind.
    await rm(join(dir, '.git', 'index.lock'), { force: true });
  };

  const sync = async (): Promise<void> => {
    ctx.log(`fetching ${branch} of ${display}`);
    await git(['fetch', '--quiet', '--prune', '--no-tags', 'origin', `+refs/heads/${branch}:${remoteRef}`]).catch(
      (error: unknown) => {
        const stderr = (error as { stderr?: string }).stderr ?? '';
        if (/couldn't find remote ref/i.test(stderr)) {
          throw new TerminalStepError(
            ctx.redact(
              `The branch ${branch} does not exist in ${display}. Check the \`branch\` setting ` +
                '(default main), or create the branch in the config repository.',
            ),
          );
        }
        throw gitStepError(error, { action: `fetch ${branch}`, repo: display, redact: ctx.redact });
      },
    );
    await gitFor('reset the working copy', ['checkout', '--quiet', '--force', '-B', branch, remoteRef]);
    await gitFor('reset the working copy', ['clean', '--quiet', '-ffdx']);
  };

  return {
    dir,
    branch,
    remoteRef,
    display,
    git,
    gitFor,
    sync: async () => {
      await prepare();
      await sync();
    },
  };
}

/**
 * Runs `work` with the repository's working copy, holding the repository's
 * lock for the whole time. The copy is first brought to the remote head,
 * unless `fetch` is false and a copy is already there (to answer questions
 * about commits Baton has already seen, without a round trip).
 */
export function withWorkingCopy<T>(
  ctx: GitopsContext,
  work: (copy: WorkingCopy) => Promise<T>,
  { fetch = true }: { fetch?: boolean } = {},
): Promise<T> {
  const location = repositoryLocation(ctx.config.repo, ctx.configDir);
  return withRepositoryLock(repositoryKey(location), ctx.signal, async () => {
    const copy = openWorkingCopy(ctx, location);
    if (fetch || !existsSync(join(copy.dir, '.git'))) await copy.sync();
    return work(copy);
  });
}
