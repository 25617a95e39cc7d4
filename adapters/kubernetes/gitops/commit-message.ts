/**
 * Commit messages for promotions and rollbacks. The trailers at the end are
 * how Baton recognises its own commits in the remote history: a step that
 * finds its `Baton-Step` trailer there has already been pushed.
 */
import type { AdapterContext } from '../../contract.ts';
import type { EditTarget } from './edit-target.ts';
import type { GitopsSettings } from './schema.ts';

export const STEP_TRAILER = 'Baton-Step';
export const ROLLBACK_TRAILER = 'Baton-Rollback';

type GitopsContext = AdapterContext<GitopsSettings>;

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function trailers(ctx: GitopsContext, version: string, stepTrailer: string): string {
  return [
    `Baton-Promotion: ${oneLine(ctx.promotionId)}`,
    `Baton-Environment: ${oneLine(ctx.environment)}`,
    `Baton-Version: ${oneLine(version)}`,
    `${stepTrailer}: ${oneLine(ctx.stepId)}`,
  ].join('\n');
}

function change(target: EditTarget, from: string | null, to: string): string {
  return `${target.describe} in ${target.file}: ${from ?? '(empty)'} → ${to}`;
}

export function promotionMessage(ctx: GitopsContext, target: EditTarget, from: string | null): string {
  const text =
    ctx.config.commitMessage?.trim() ||
    `Promote ${ctx.component} ${ctx.version} to ${ctx.environment}\n\n` +
      `Baton promotion ${ctx.promotionId} changes ${change(target, from, ctx.version)}.`;
  return `${text}\n\n${trailers(ctx, ctx.version, STEP_TRAILER)}\n`;
}

export function rollbackMessage(ctx: GitopsContext, target: EditTarget, from: string | null, to: string): string {
  return (
    `Roll back ${ctx.component} to ${to} in ${ctx.environment}\n\n` +
    `Baton rolls back promotion ${ctx.promotionId} (${ctx.version}): ${change(target, from, to)}.\n\n` +
    `${trailers(ctx, to, ROLLBACK_TRAILER)}\n`
  );
}
