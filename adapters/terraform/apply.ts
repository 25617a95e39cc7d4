/**
 * `apply()`: applies exactly the plan approved for this step id, once. A
 * marker file written after a successful apply makes any later attempt with
 * the same step id only read the outputs again.
 */
import { rm, stat, writeFile } from 'node:fs/promises';
import type { StepResult } from '../kit/contract.ts';
import { formatElapsed } from '../kit/durations.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { applyPlanFile, changeCounts, isStalePlan } from './apply-plan.ts';
import { commandFailed } from './failures.ts';
import { resultWithOutputs } from './outputs.ts';
import { makePlan, savePlanForApproval, savedPlanProblem } from './saved-plan.ts';
import { openSession, type TerraformContext, type TerraformSession } from './session.ts';
import { prepareWorkspace } from './workspace.ts';

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}

async function markApplied(session: TerraformSession): Promise<void> {
  const { files, ctx } = session;
  const record = { stepId: ctx.stepId, workspace: session.workspace, appliedAt: new Date().toISOString() };
  await writeFile(files.applied, `${JSON.stringify(record)}\n`);
  await Promise.all([files.applying, files.plan, files.planSettings].map((file) => rm(file, { force: true })));
}

function stalePlanRefused(session: TerraformSession, interruptedEarlier: boolean): TerminalStepError {
  const { ctx } = session;
  const why = interruptedEarlier
    ? 'An earlier attempt of this step started applying that plan and was interrupted, or another run changed the state; ' +
      'some of the planned changes may have been made.'
    : 'Another apply, or a change outside Baton, moved the state after planning, so the approved plan no longer shows what would happen. ' +
      'Nothing was applied.';
  return new TerminalStepError(
    ctx.redact(
      `Terraform refused to apply the plan approved for ${ctx.component} in ${ctx.environment}: ` +
        `the state of workspace ${session.workspace} changed since the plan was approved (Terraform: "Saved plan is stale"). ` +
        `${why} Request the promotion again, so that people approve a plan made against the current state.`,
    ),
  );
}

/**
 * The plan was stale. When an earlier attempt of this step had started
 * applying it, that attempt may have finished just before it was cut off (a
 * crashed worker): a fresh plan without changes shows it did.
 */
async function afterStalePlan(session: TerraformSession, interruptedEarlier: boolean): Promise<StepResult> {
  if (!interruptedEarlier) throw stalePlanRefused(session, false);
  const { ctx, files } = session;
  ctx.log(
    'The saved plan is stale and an earlier attempt of this step had started applying it: checking whether it finished.',
  );
  const check = await makePlan(session, ctx.config.vars ?? {}, files.checkPlan).finally(() =>
    rm(files.checkPlan, { force: true }),
  );
  if (check.changes) throw stalePlanRefused(session, true);
  await markApplied(session);
  return resultWithOutputs(
    session,
    `an earlier attempt of this step had already applied the plan in workspace ${session.workspace}; outputs read again`,
  );
}

export async function applyStep(ctx: TerraformContext): Promise<StepResult> {
  const session = await openSession(ctx, 'apply');
  const { files } = session;
  await prepareWorkspace(session);
  if (await exists(files.applied)) {
    ctx.log(
      `Step ${ctx.stepId} already applied its plan in workspace ${session.workspace}: not applying again, reading the outputs.`,
    );
    return resultWithOutputs(
      session,
      `already applied by this step in workspace ${session.workspace}; outputs read again`,
    );
  }
  const problem = await savedPlanProblem(session);
  if (problem !== null) {
    ctx.log(`Planning again before applying: ${problem}.`);
    await savePlanForApproval(session);
  }
  const interruptedEarlier = await exists(files.applying);
  await writeFile(files.applying, `${new Date().toISOString()}\n`);
  const applied = await applyPlanFile(session, files.plan);
  if (applied.exitCode !== 0) {
    if (isStalePlan(applied)) return afterStalePlan(session, interruptedEarlier);
    throw commandFailed(session, applied);
  }
  await markApplied(session);
  return resultWithOutputs(
    session,
    `applied ${changeCounts(applied.changes)} in workspace ${session.workspace} (${formatElapsed(applied.durationMs)})`,
  );
}
