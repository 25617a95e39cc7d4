/**
 * Applies a saved plan file as it is (no variables: they are inside the plan)
 * and reports what it changed.
 */
import type { ChangeCounts } from './machine-output.ts';
import type { TerraformSession } from './session.ts';
import { runTerraform, type TerraformOutcome } from './terraform-process.ts';

/** Terraform refuses a plan made against a state that has changed since. */
const STALE_PLAN = /Saved plan is stale/i;

export function applyPlanFile(session: TerraformSession, planFile: string): Promise<TerraformOutcome> {
  return runTerraform(
    session,
    ['apply', '-input=false', '-no-color', '-json', `-lock-timeout=${session.lockTimeout}`, planFile],
    'machine',
  );
}

export function isStalePlan(outcome: TerraformOutcome): boolean {
  return outcome.diagnostics.some((diagnostic) => STALE_PLAN.test(diagnostic.summary));
}

/** `+1 ~2 −0`, the counts Terraform reported for the apply. */
export function changeCounts(changes: ChangeCounts | undefined): string {
  if (changes === undefined) return 'no resource changes reported';
  return `+${changes.add} ~${changes.change} −${changes.remove}`;
}
