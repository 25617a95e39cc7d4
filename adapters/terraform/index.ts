/**
 * The `terraform` adapter: plans a Terraform or OpenTofu module per
 * environment workspace, applies exactly the plan people approved, and hands
 * the module's outputs to the steps that need them.
 */
import type { Observed, StepPreview, StepResult, TargetAdapter } from '../kit/contract.ts';
import { applyStep } from './apply.ts';
import { readOutputs } from './outputs.ts';
import { rollbackStep } from './rollback.ts';
import { savePlanForApproval } from './saved-plan.ts';
import { terraformConfigSchema, type TerraformConfig } from './schema.ts';
import { openSession, type TerraformContext } from './session.ts';
import { openExistingWorkspace, prepareWorkspace } from './workspace.ts';

/** The output a module may declare to tell Baton which release it runs. */
const VERSION_OUTPUT = 'version';

export interface TerraformAdapter extends TargetAdapter<TerraformConfig> {
  apply(ctx: TerraformContext): Promise<StepResult>;
  rollback(ctx: TerraformContext, before: Observed): Promise<StepResult>;
}

/** Terraform state does not know release versions: only a module that outputs one can say. */
async function current(ctx: TerraformContext): Promise<Observed> {
  const session = await openSession(ctx, 'current');
  if (!(await openExistingWorkspace(session))) return { version: null };
  const version = (await readOutputs(session)).values[VERSION_OUTPUT];
  return { version: version === undefined || version === '' ? null : version };
}

async function plan(ctx: TerraformContext): Promise<StepPreview> {
  const session = await openSession(ctx, 'plan');
  await prepareWorkspace(session);
  const made = await savePlanForApproval(session);
  return {
    summary: made.summary,
    details: made.details,
    reversible: ctx.config.rollback !== undefined,
    changes: made.changes,
  };
}

export const terraformAdapter: TerraformAdapter = {
  kind: 'terraform',
  description:
    'Plans a Terraform or OpenTofu module in a workspace per environment, applies exactly the approved plan, and publishes its outputs.',
  config: terraformConfigSchema,
  step: { timeoutMs: 30 * 60_000, retries: 2 },
  current,
  plan,
  apply: applyStep,
  rollback: rollbackStep,
};
