/**
 * Pushes the working copy's commit to the remote branch, never forcing, and
 * tells "someone pushed first" (try again on top) apart from "the server
 * refused" (a protected branch, a hook) and from a broken connection.
 */
import type { AdapterContext } from '../../kit/contract.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { gitStepError } from './failures.ts';
import { GitFailure } from './git.ts';
import type { WorkingCopy } from './working-copy.ts';

export type PushOutcome = 'pushed' | 'remote-moved';

const REMOTE_MOVED = /\[rejected\].*\((fetch first|non-fast-forward|stale info)\)/;
const REMOTE_REFUSED = /\[remote rejected\]\s*(?:\((.*)\))?/;

export async function pushHead(ctx: AdapterContext<unknown>, copy: WorkingCopy): Promise<PushOutcome> {
  try {
    await copy.git(['push', '--porcelain', 'origin', `HEAD:refs/heads/${copy.branch}`]);
    return 'pushed';
  } catch (error) {
    if (!(error instanceof GitFailure))
      throw gitStepError(error, { action: `push to ${copy.branch}`, repo: copy.display, redact: ctx.redact });
    const report = `${error.stdout}\n${error.stderr}`;
    if (REMOTE_MOVED.test(report)) return 'remote-moved';
    const refused = REMOTE_REFUSED.exec(report);
    if (refused) {
      throw new TerminalStepError(
        ctx.redact(
          `${copy.display} refused Baton's push to ${copy.branch}` +
            `${refused[1] ? ` (${refused[1]})` : ''}. The branch may be protected or a server hook declined the commit: ` +
            `allow Baton's account to push to ${copy.branch}, or set \`branch\` to one it may push to, then run the promotion again.`,
        ),
      );
    }
    throw gitStepError(error, { action: `push to ${copy.branch}`, repo: copy.display, redact: ctx.redact });
  }
}
