/**
 * `rollback()`, only when the component asks for it with
 * `rollback: { reapplyPrevious: true }`: plans and applies the module again
 * with the previous version put back into the variables that carry the
 * version. Terraform itself has no undo; this is as good as the variables.
 */
import { rm } from 'node:fs/promises';
import type { Observed, StepResult } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { applyPlanFile, changeCounts, isStalePlan } from './apply-plan.ts';
import { commandFailed } from './failures.ts';
import { resultWithOutputs } from './outputs.ts';
import { makePlan } from './saved-plan.ts';
import { openSession, type TerraformContext } from './session.ts';
import { prepareWorkspace } from './workspace.ts';

interface PreviousVariables {
  vars: Record<string, string>;
  /** The variables whose value changed back. */
  changed: string[];
}

function cannotRollBack(ctx: TerraformContext, why: string): TerminalStepError {
  return new TerminalStepError(ctx.redact(`Baton cannot roll back ${ctx.component} in ${ctx.environment}: ${why}`));
}

/** `vars` with every occurrence of the version being rolled back replaced by `previous`. */
function previousVariables(ctx: TerraformContext, previous: string): PreviousVariables {
  const vars = ctx.config.vars ?? {};
  const carriesVersion = (name: string): boolean => ctx.version !== '' && (vars[name] ?? '').includes(ctx.version);
  const named = ctx.config.rollback?.versionVars;
  const names = named ?? Object.keys(vars).filter(carriesVersion);
  const missing = names.filter((name) => !carriesVersion(name));
  if (names.length === 0 || missing.length > 0) {
    const which =
      missing.length > 0
        ? `the value of ${missing.map((name) => `\`${name}\``).join(', ')} does not contain the version ${ctx.version} being rolled back`
        : `none of \`vars\` contains the version ${ctx.version} being rolled back`;
    throw cannotRollBack(
      ctx,
      `${which}, so re-applying the module could not put ${previous} back. ` +
        'Pass the version in a variable (e.g. `vars: { image_tag: "${version}" }`) and name it in `rollback.versionVars`, ' +
        'or restore the previous state by hand.',
    );
  }
  return {
    vars: {
      ...vars,
      ...Object.fromEntries(names.map((name) => [name, (vars[name] ?? '').replaceAll(ctx.version, previous)])),
    },
    changed: previous === ctx.version ? [] : names,
  };
}

export async function rollbackStep(ctx: TerraformContext, before: Observed): Promise<StepResult> {
  if (ctx.config.rollback === undefined) {
    throw cannotRollBack(
      ctx,
      `${ctx.component} has no \`rollback\` setting, and a Terraform change cannot be undone without knowing how. ` +
        `Restore ${before.version ?? 'what ran before'} by hand (plan and apply the module with the previous variables), ` +
        'and add `rollback: { reapplyPrevious: true }` to the settings to make future steps reversible.',
    );
  }
  if (before.version === null) {
    throw cannotRollBack(
      ctx,
      'no version is recorded as running before this step (it was the first deploy here), and Baton does not destroy infrastructure on its own. ' +
        'Undo the change by hand if it must go, e.g. `terraform destroy` in the workspace.',
    );
  }
  const previous = previousVariables(ctx, before.version);
  const session = await openSession(ctx, 'rollback');
  await prepareWorkspace(session);
  ctx.log(
    `Rolling back to ${before.version}: planning with ${previous.changed.map((name) => `\`${name}\``).join(', ') || 'the same variables'}.`,
  );
  const planFile = session.files.rollbackPlan;
  try {
    const made = await makePlan(session, previous.vars, planFile);
    const applied = await applyPlanFile(session, planFile);
    if (applied.exitCode !== 0) {
      if (isStalePlan(applied)) {
        throw cannotRollBack(
          ctx,
          `another run changed the state of workspace ${session.workspace} between the rollback's plan and its apply. ` +
            'Roll back again once that run has finished.',
        );
      }
      throw commandFailed(session, applied);
    }
    return await resultWithOutputs(
      session,
      `re-applied the module with ${before.version}: ${made.changes ? changeCounts(applied.changes) : 'nothing to change'} in workspace ${session.workspace}`,
    );
  } finally {
    await rm(planFile, { force: true });
  }
}
