/**
 * Commit messages for promotions and rollbacks. The trailers at the end are
 * how Baton recognises its own commits in the remote history: a step that
 * finds its `Baton-Step` trailer there has already been pushed. They also
 * keep the promotion, the release and the requester in the history when a
 * team writes its own `commitMessage`.
 */
import type { AdapterContext } from '../../kit/contract.ts';
import type { GitopsSettings } from './schema.ts';
import type { EditedValue } from './value-edits.ts';

export const STEP_TRAILER = 'Baton-Step';
export const ROLLBACK_TRAILER = 'Baton-Rollback';

type GitopsContext = AdapterContext<GitopsSettings>;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function trailers(entries: [string, string][]): string {
  return entries.map(([key, value]) => `${key}: ${oneLine(value)}`).join('\n');
}

function changeLines(changed: readonly EditedValue[]): string {
  return changed
    .map(({ target, from, to }) => `- ${target.describe} in ${target.file}: ${from ?? '(empty)'} → ${to}`)
    .join('\n');
}

export function promotionMessage(ctx: GitopsContext, changed: readonly EditedValue[]): string {
  const text =
    ctx.config.commitMessage?.trim() ||
    `Promote ${ctx.component} ${ctx.version} to ${ctx.environment}\n\n` +
      `Baton promotion #${ctx.promotionId} of release ${ctx.release}, requested by ${ctx.requestedBy}, changes:\n` +
      ctx.redact(changeLines(changed));
  const stamp = trailers([
    ['Baton-Promotion', ctx.promotionId],
    ['Baton-Release', ctx.release],
    ['Baton-Requested-By', ctx.requestedBy],
    ['Baton-Environment', ctx.environment],
    ['Baton-Version', ctx.version],
    [STEP_TRAILER, ctx.stepId],
  ]);
  return `${text}\n\n${stamp}\n`;
}

export function rollbackMessage(ctx: GitopsContext, changed: readonly EditedValue[], to: string): string {
  const stamp = trailers([
    ['Baton-Promotion', ctx.promotionId],
    ['Baton-Environment', ctx.environment],
    ['Baton-Version', to],
    [ROLLBACK_TRAILER, ctx.stepId],
  ]);
  return (
    `Roll back ${ctx.component} to ${to} in ${ctx.environment}\n\n` +
    `Baton rolls back promotion #${ctx.promotionId} (release ${ctx.release}):\n` +
    `${ctx.redact(changeLines(changed))}\n\n${stamp}\n`
  );
}
