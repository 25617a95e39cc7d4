/**
 * Puts a version into the environment's file on the remote branch, at most
 * once per step: commit, push, and when someone else pushed first, start
 * again from their head (a bounded number of times), never forcing.
 */
import { RetryableStepError } from '../../../src/errors.ts';
import type { AdapterContext } from '../../contract.ts';
import { pause } from '../stopped.ts';
import type { EditTarget } from './edit-target.ts';
import { gitStepError } from './git-errors.ts';
import { findCommitWithTrailer, headCommit, lastCommitTouching } from './history.ts';
import { pushHead } from './push.ts';
import type { GitopsSettings } from './schema.ts';
import { readVersionFile, writeVersion } from './version-file.ts';
import type { WorkingCopy } from './working-copy.ts';

export const MAX_PUSH_ATTEMPTS = 5;
const RETRY_PAUSE_MS = 250;

export interface PublishRequest {
  /** The trailer that marks this step's commit: STEP_TRAILER or ROLLBACK_TRAILER. */
  trailer: string;
  version: string;
  message(from: string | null): string;
}

export interface Published {
  /** The commit that put the version in the file. */
  commit: string;
  /** What the file held before; null when the value was empty, or when an earlier attempt made the change. */
  from: string | null;
  how: 'pushed' | 'pushed-before' | 'already-set';
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

export async function publishVersion(
  ctx: AdapterContext<GitopsSettings>,
  copy: WorkingCopy,
  target: EditTarget,
  request: PublishRequest,
): Promise<Published> {
  for (let attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt += 1) {
    if (attempt > 1) await copy.sync();
    const earlier = await findCommitWithTrailer(copy, request.trailer, ctx.stepId);
    if (earlier !== null) {
      ctx.log(`${shortCommit(earlier)} on ${copy.branch} already carries this step (${request.trailer}: ${ctx.stepId}): not committing again`);
      return { commit: earlier, from: null, how: 'pushed-before' };
    }
    const file = await readVersionFile(copy, target);
    if (file.located.value === request.version) {
      const commit = (await lastCommitTouching(copy, target.file)) ?? (await headCommit(copy, copy.remoteRef));
      ctx.log(`${target.file} already holds ${request.version} on ${copy.branch}: nothing to commit`);
      return { commit, from: file.located.value, how: 'already-set' };
    }
    await writeVersion(copy, file, request.version);
    const { author } = ctx.config;
    await copy.gitFor('stage the change', ['add', '--', target.file]);
    await copy
      .git(['commit', '--quiet', '--message', request.message(file.located.value)], {
        extraEnv: {
          GIT_AUTHOR_NAME: author.name,
          GIT_AUTHOR_EMAIL: author.email,
          GIT_COMMITTER_NAME: author.name,
          GIT_COMMITTER_EMAIL: author.email,
        },
      })
      .catch((error: unknown) => {
        throw gitStepError(error, { action: 'commit the change', repo: copy.display, redact: ctx.redact });
      });
    const commit = await headCommit(copy);
    ctx.log(`committed ${shortCommit(commit)} (${target.describe}: ${file.located.value ?? '(empty)'} → ${request.version}); pushing to ${copy.branch}`);
    if ((await pushHead(ctx, copy)) === 'pushed') {
      ctx.log(`pushed ${shortCommit(commit)} to ${copy.branch} of ${copy.display}`);
      return { commit, from: file.located.value, how: 'pushed' };
    }
    ctx.log(`${copy.branch} moved while Baton pushed (attempt ${attempt} of ${MAX_PUSH_ATTEMPTS}); starting again from the new head`);
    await pause(RETRY_PAUSE_MS * attempt, ctx.signal);
  }
  throw new RetryableStepError(
    ctx.redact(
      `Could not push to ${copy.branch} of ${copy.display}: the branch moved ${MAX_PUSH_ATTEMPTS} times while Baton pushed. ` +
        'Others are pushing a lot right now; the step can be tried again.',
    ),
  );
}
