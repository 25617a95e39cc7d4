/**
 * gitops mode: the version lives in a file of the config repository; Baton
 * changes it (and the `set` values beside it) by a commit on the
 * environment's branch and lets Argo CD or Flux deploy it. Nothing here talks
 * to a cluster (see verify/ for that).
 */
import type { AdapterContext, Observed, StepPreview, StepResult } from '../../kit/contract.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { promotionMessage, rollbackMessage, ROLLBACK_TRAILER, STEP_TRAILER } from './commit-message.ts';
import { editTarget, promotionEdits, setValues, type EditTarget, type ValueEdit } from './edit-target.ts';
import { headCommit } from './history.ts';
import { alreadyHeld, publishEdits, shortCommit, type Published } from './publish.ts';
import type { GitopsSettings } from './schema.ts';
import { changedValues, describeChange, prepareEdits, readValue } from './value-edits.ts';
import { withWorkingCopy, type WorkingCopy } from './working-copy.ts';

type GitopsContext = AdapterContext<GitopsSettings>;

/** The promotion's edits; a version the target cannot hold is refused before anything is written. */
function checkedEdits(ctx: GitopsContext, copy: WorkingCopy): ValueEdit[] {
  const edits = promotionEdits(ctx.config, copy.dir, ctx.version);
  for (const { target, value } of edits) {
    const refusal = target.refuse(value);
    if (refusal !== null) {
      throw new TerminalStepError(
        ctx.redact(`Cannot promote ${ctx.component} ${ctx.version}: ${refusal} (${target.file}).`),
      );
    }
  }
  return edits;
}

/** Where `current()` keeps a `set` value it saw, so that a rollback can put it back. */
function observedKey(target: EditTarget): string {
  return `set ${target.file} ${target.describe}`;
}

function waitsFor(settings: GitopsSettings): string | null {
  if (settings.argocd) return `Argo CD application ${settings.argocd.namespace}/${settings.argocd.application}`;
  if (settings.flux) return `Flux Kustomization ${settings.flux.namespace}/${settings.flux.kustomization}`;
  return null;
}

export function current(ctx: GitopsContext): Promise<Observed> {
  return withWorkingCopy(ctx, async (copy) => {
    const target = editTarget(ctx.config, copy.dir);
    const version = await readValue(copy, target);
    const detail: Record<string, string> = { file: target.file, branch: copy.branch, commit: await headCommit(copy) };
    for (const { target: other } of setValues(ctx.config)) {
      const value = await readValue(copy, other);
      if (value !== null) detail[observedKey(other)] = value;
    }
    return { version, detail };
  });
}

export function plan(ctx: GitopsContext): Promise<StepPreview> {
  return withWorkingCopy(ctx, async (copy) => {
    const edits = checkedEdits(ctx, copy);
    const changed = changedValues(await prepareEdits(copy, edits));
    if (changed.length === 0) {
      return {
        summary: `${alreadyHeld(edits)} on ${copy.branch}: nothing to commit`,
        details: [],
        reversible: true,
        changes: false,
      };
    }
    const controller = waitsFor(ctx.config);
    return {
      summary: `commit to ${copy.branch} of ${copy.display}: ${changed.map(describeChange).join('; ')}`,
      details: [
        ...changed.flatMap((edited) => edited.diff),
        controller === null
          ? 'then done: no argocd or flux setting, so Baton does not wait for a sync'
          : `then wait up to ${ctx.config.verifyTimeout} for ${controller} to sync the commit and report it healthy`,
      ],
      reversible: true,
      changes: true,
    };
  });
}

function describePublished(copy: WorkingCopy, edits: readonly ValueEdit[], published: Published): string {
  const at = `${shortCommit(published.commit)} on ${copy.branch} of ${copy.display}`;
  switch (published.how) {
    case 'pushed':
      return `committed ${at}: ${published.changed.map(describeChange).join('; ')}`;
    case 'pushed-before':
      return `${at} already made this change (an earlier attempt of this step): nothing committed`;
    case 'already-set':
      return `${alreadyHeld(edits)} (last changed by ${at}): nothing committed`;
  }
}

function outputsOf(copy: WorkingCopy, edits: readonly ValueEdit[], published: Published): StepResult['outputs'] {
  return { commit: published.commit, branch: copy.branch, file: edits[0]?.target.file ?? '' };
}

export async function apply(ctx: GitopsContext): Promise<StepResult> {
  return withWorkingCopy(ctx, async (copy) => {
    const edits = checkedEdits(ctx, copy);
    const published = await publishEdits(ctx, copy, {
      trailer: STEP_TRAILER,
      edits,
      message: (changed) => promotionMessage(ctx, changed),
    });
    return { outputs: outputsOf(copy, edits, published), summary: describePublished(copy, edits, published) };
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
    // A `set` value Baton never saw (empty before the step) stays as the promotion left it.
    const edits: ValueEdit[] = [
      { target: editTarget(ctx.config, copy.dir), value: previous },
      ...setValues(ctx.config).flatMap(({ target }) => {
        const old = before.detail?.[observedKey(target)];
        return old === undefined ? [] : [{ target, value: old }];
      }),
    ];
    const published = await publishEdits(ctx, copy, {
      trailer: ROLLBACK_TRAILER,
      edits,
      message: (changed) => rollbackMessage(ctx, changed, previous),
    });
    return {
      outputs: outputsOf(copy, edits, published),
      summary: `rolled back to ${previous} by a new commit: ${describePublished(copy, edits, published)}`,
    };
  });
}
