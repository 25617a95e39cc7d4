/**
 * Which commit the controller must reach, and whether a revision it reports
 * has reached it. A later commit counts too: once others push on top of
 * Baton's commit, Argo CD or Flux sync theirs, which includes Baton's change.
 */
import type { AdapterContext } from '../../kit/contract.ts';
import { STEP_TRAILER } from '../gitops/commit-message.ts';
import { promotionEdits } from '../gitops/edit-target.ts';
import { findCommitWithTrailer, headCommit, isAtOrAfter, lastCommitTouching } from '../gitops/history.ts';
import type { GitopsSettings } from '../gitops/schema.ts';
import { withWorkingCopy } from '../gitops/working-copy.ts';

export type RevisionCheck = (revision: string) => Promise<boolean>;

/** This step's commit; when it made none (the files already held the values), the last commit that changed them. */
export function syncTargetCommit(ctx: AdapterContext<GitopsSettings>): Promise<string> {
  return withWorkingCopy(ctx, async (copy) => {
    const own = await findCommitWithTrailer(copy, STEP_TRAILER, ctx.stepId);
    if (own !== null) return own;
    const files = promotionEdits(ctx.config, copy.dir, ctx.version).map(({ target }) => target.file);
    return (await lastCommitTouching(copy, files)) ?? headCommit(copy, copy.remoteRef);
  });
}

export function revisionCheck(ctx: AdapterContext<GitopsSettings>, commit: string): RevisionCheck {
  const answers = new Map<string, boolean>();
  return async (revision) => {
    const known = answers.get(revision);
    if (known !== undefined) return known;
    let answer = await withWorkingCopy(ctx, (copy) => isAtOrAfter(copy, commit, revision), { fetch: false });
    // A revision this copy has not seen is newer than the last fetch, or on another branch.
    if (answer === 'unknown') answer = await withWorkingCopy(ctx, (copy) => isAtOrAfter(copy, commit, revision));
    if (answer === 'unknown') {
      ctx.log(
        `the controller reports revision ${revision.slice(0, 7)}, which is not on ${ctx.config.branch}: is it watching another branch or repository?`,
      );
    }
    answers.set(revision, answer === 'yes');
    return answer === 'yes';
  };
}
