/**
 * gitops mode: the version lives in a file of the config repository; Baton
 * changes it by a commit on the environment's branch and lets Argo CD or
 * Flux deploy it. Nothing here talks to a cluster (see verify/ for that).
 */
import { TerminalStepError } from '../../../src/errors.ts';
import type { AdapterContext, StepResult } from '../../contract.ts';
import type { Observed, StepPreview } from '../../../src/core/model.ts';
import { promotionMessage, rollbackMessage, ROLLBACK_TRAILER, STEP_TRAILER } from './commit-message.ts';
import { editTarget, type EditTarget } from './edit-target.ts';
import { headCommit } from './history.ts';
import { publishVersion, shortCommit, type Published } from './publish.ts';
import type { GitopsSettings } from './schema.ts';
import { readVersionFile, versionDiff } from './version-file.ts';
import { withWorkingCopy, type WorkingCopy } from './working-copy.ts';

type GitopsContext = AdapterContext<GitopsSettings>;

function checkedTarget(ctx: GitopsContext, copy: WorkingCopy): EditTarget {
  const target = editTarget(ctx.config, copy.dir);
  const refusal = target.refuse(ctx.version);
  if (refusal !== null) {
    throw new TerminalStepError(ctx.redact(`Cannot promote ${ctx.component} ${ctx.version}: ${refusal} (${target.file}).`));
  }
  return target;
}

function waitsFor(settings: GitopsSettings): string | null {
  if (settings.argocd) return `Argo CD application ${settings.argocd.namespace}/${settings.argocd.application}`;
  if (settings.flux) return `Flux Kustomization ${settings.flux.namespace}/${settings.flux.kustomization}`;
  return null;
}

export function current(ctx: GitopsContext): Promise<Observed> {
  return withWorkingCopy(ctx, async (copy) => {
    const target = editTarget(ctx.config, copy.dir);
    const file = await readVersionFile(copy, target);
    return {
      version: file.located.value,
      detail: { file: target.file, branch: copy.branch, commit: await headCommit(copy) },
    };
  });
}

export function plan(ctx: GitopsContext): Promise<StepPreview> {
  return withWorkingCopy(ctx, async (copy) => {
    const target = checkedTarget(ctx, copy);
    const file = await readVersionFile(copy, target);
    if (file.located.value === ctx.version) {
      return {
        summary: `${target.file} already holds ${ctx.version} on ${copy.branch}: nothing to commit`,
        details: [],
        reversible: true,
        changes: false,
      };
    }
    const controller = waitsFor(ctx.config);
    return {
      summary:
        `commit to ${copy.branch} of ${copy.display}: ${target.describe} ` +
        `${file.located.value ?? '(empty)'} → ${ctx.version} in ${target.file}`,
      details: [
        ...versionDiff(file, ctx.version),
        controller === null
          ? 'then done: no argocd or flux setting, so Baton does not wait for a sync'
          : `then wait up to ${ctx.config.verifyTimeout} for ${controller} to sync the commit and report it healthy`,
      ],
      reversible: true,
      changes: true,
    };
  });
}

function describePublished(copy: WorkingCopy, target: EditTarget, version: string, published: Published): string {
  const at = `${shortCommit(published.commit)} on ${copy.branch} of ${copy.display}`;
  switch (published.how) {
    case 'pushed':
      return `committed ${at}: ${target.describe} ${published.from ?? '(empty)'} → ${version} in ${target.file}`;
    case 'pushed-before':
      return `${at} already made this change (an earlier attempt of this step): nothing committed`;
    case 'already-set':
      return `${target.file} already holds ${version} (last changed by ${at}): nothing committed`;
  }
}

export async function apply(ctx: GitopsContext): Promise<StepResult> {
  return withWorkingCopy(ctx, async (copy) => {
    const target = checkedTarget(ctx, copy);
    const published = await publishVersion(ctx, copy, target, {
      trailer: STEP_TRAILER,
      version: ctx.version,
      message: (from) => promotionMessage(ctx, target, from),
    });
    return {
      outputs: { commit: published.commit, branch: copy.branch, file: target.file },
      summary: describePublished(copy, target, ctx.version, published),
    };
  });
}

export async function rollback(ctx: GitopsContext, before: Observed): Promise<StepResult> {
  const previous = before.version;
  if (previous === null) {
    throw new TerminalStepError(
      ctx.redact(
        `Cannot roll back ${ctx.component} in ${ctx.environment}: Baton does not know which version the file held before ` +
          'this step (it was empty or never observed). Set the previous version in the config repository by hand.',
      ),
    );
  }
  return withWorkingCopy(ctx, async (copy) => {
    const target = editTarget(ctx.config, copy.dir);
    const published = await publishVersion(ctx, copy, target, {
      trailer: ROLLBACK_TRAILER,
      version: previous,
      message: (from) => rollbackMessage(ctx, target, from, previous),
    });
    return {
      outputs: { commit: published.commit, branch: copy.branch, file: target.file },
      summary: `rolled back to ${previous} by a new commit: ${describePublished(copy, target, previous, published)}`,
    };
  });
}
