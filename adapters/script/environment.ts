/**
 * The environment every script command runs with: Baton's own, the
 * component's `env` setting, and `BATON_*` variables describing the step.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { stepEnvironment } from '../kit/step-environment.ts';
import type { ScriptConfig } from './schema.ts';

/** `BATON_INPUT_IAM_QUEUE_URL` for output `queue_url` of component `iam`. */
export function inputVariableName(component: string, output: string): string {
  return `BATON_INPUT_${component}_${output}`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function scriptEnvironment(
  ctx: AdapterContext<ScriptConfig>,
  outputFile: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const inputs: Record<string, string> = {};
  for (const [component, outputs] of Object.entries(ctx.inputs)) {
    for (const [output, value] of Object.entries(outputs)) {
      inputs[inputVariableName(component, output)] = value;
    }
  }
  return {
    ...process.env,
    ...ctx.config.env,
    ...inputs,
    ...stepEnvironment(ctx),
    BATON_OUTPUT: outputFile,
    BATON_WORK_DIR: ctx.workDir,
    ...extra,
  };
}
