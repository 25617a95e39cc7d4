/**
 * Puts a version (and the `set` values beside it) into the environment's
 * files on the remote branch, at most once per step: commit, push, and when
 * someone else pushed first, start again from their head (a bounded number of
 * times), never forcing.
 */
import type { AdapterContext } from '../../kit/contract.ts';
import { RetryableStepError } from '../../kit/step-errors.ts';
import { pause } from '../../kit/stopped.ts';
import type { ValueEdit } from './edit-target.ts';
import { gitStepError } from './failures.ts';
import { findCommitWithTrailer, headCommit, lastCommitTouching } from './history.ts';
import { pushHead } from './push.ts';
import type { GitopsSettings } from './schema.ts';
import { changedValues, describeChange, prepareEdits, writeEdits, type EditedValue } from './value-edits.ts';
import type { WorkingCopy } from './working-copy.ts';

export const MAX_PUSH_ATTEMPTS = 5;
const RETRY_PAUSE_MS = 250;

export interface PublishRequest {
  /** The trailer that marks this step's commit: STEP_TRAILER or ROLLBACK_TRAILER. */
  trailer: string;
  /** The version's edit first, then the `set` values. */
  edits: readonly ValueEdit[];
  message(changed: readonly EditedValue[]): string;
}

export interface Published {
  /** The commit that put the values in the files. */
  commit: string;
  /** The values the commit changed; empty when Baton committed nothing. */
  changed: EditedValue[];
  how: 'pushed' | 'pushed-before' | 'already-set';
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

/** "kustomization.yaml already holds 2.0.0", naming the `set` values when there are some. */
export function alreadyHeld(edits: readonly ValueEdit[]): string {
  const files = [...new Set(edits.map((edit) => edit.target.file))];
  const [version, ...others] = edits;
  const holds = `${files.join(', ')} already ${files.length === 1 ? 'holds' : 'hold'} ${version?.value ?? 'every value'}`;
  return others.length === 0 ? holds : `${holds} and every \`set\` value`;
}

export async function publishEdits(
  ctx: AdapterContext<GitopsSettings>,
  copy: WorkingCopy,
  request: PublishRequest,
): Promise<Published> {
  for (let attempt = 1; attempt <= MAX_PUSH_ATTEMPTS; attempt += 1) {
    if (attempt > 1) await copy.sync();
    const earlier = await findCommitWithTrailer(copy, request.trailer, ctx.stepId);
    if (earlier !== null) {
      ctx.log(
        `${shortCommit(earlier)} on ${copy.branch} already carries this step (${request.trailer}: ${ctx.stepId}): not committing again`,
      );
      return { commit: earlier, changed: [], how: 'pushed-before' };
    }
    const prepared = await prepareEdits(copy, request.edits);
    const changed = changedValues(prepared);
    if (changed.length === 0) {
      const files = request.edits.map((edit) => edit.target.file);
      const commit = (await lastCommitTouching(copy, files)) ?? (await headCommit(copy, copy.remoteRef));
      ctx.log(`${alreadyHeld(request.edits)} on ${copy.branch}: nothing to commit`);
      return { commit, changed: [], how: 'already-set' };
    }
    await writeEdits(copy, prepared);
    const { author } = ctx.config;
    await copy.gitFor('stage the change', ['add', '--', ...prepared.files.keys()]);
    await copy
      .git(['commit', '--quiet', '--message', request.message(changed)], {
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
    ctx.log(`committed ${shortCommit(commit)} (${changed.map(describeChange).join('; ')}); pushing to ${copy.branch}`);
    if ((await pushHead(ctx, copy)) === 'pushed') {
      ctx.log(`pushed ${shortCommit(commit)} to ${copy.branch} of ${copy.display}`);
      return { commit, changed, how: 'pushed' };
    }
    ctx.log(
      `${copy.branch} moved while Baton pushed (attempt ${attempt} of ${MAX_PUSH_ATTEMPTS}); starting again from the new head`,
    );
    await pause(RETRY_PAUSE_MS * attempt, ctx.signal);
  }
  throw new RetryableStepError(
    ctx.redact(
      `Could not push to ${copy.branch} of ${copy.display}: the branch moved ${MAX_PUSH_ATTEMPTS} times while Baton pushed. ` +
        'Others are pushing a lot right now; the step can be tried again.',
    ),
  );
}
