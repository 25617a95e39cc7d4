/**
 * Reads the module's outputs (`terraform output -json`) into step outputs:
 * every value a string, objects and lists as JSON. Sensitive values are
 * returned (dependents need them) but never logged.
 */
import { z } from 'zod';
import { errorMessage } from '../../src/errors.ts';
import type { Outputs, StepResult } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { requireExit } from './failures.ts';
import { describeStep, type TerraformSession } from './session.ts';
import { runTerraform } from './terraform-process.ts';

export interface ModuleOutputs {
  values: Outputs;
  /** Names whose values must never be shown, sorted. */
  sensitive: string[];
  /** Names in `sensitiveOutputs` the module does not output (a typo, or an output removed). */
  unknownSensitive: string[];
}

const outputsSchema = z.record(z.string(), z.object({ sensitive: z.boolean(), value: z.unknown() }));

function outputText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

function parseOutputs(session: TerraformSession, stdout: readonly string[]): z.infer<typeof outputsSchema> {
  try {
    return outputsSchema.parse(JSON.parse(stdout.join('\n')));
  } catch (error) {
    // The text itself is not quoted: it holds the output values, sensitive ones included.
    throw new TerminalStepError(
      session.ctx.redact(
        `\`${session.binary} output -json\` (${describeStep(session)}) printed something that is not the JSON Terraform documents ` +
          `(${error instanceof z.ZodError ? 'unexpected shape' : errorMessage(error)}). ` +
          'Check that `binary` is Terraform 1.x or OpenTofu, then request the promotion again.',
      ),
    );
  }
}

export async function readOutputs(session: TerraformSession): Promise<ModuleOutputs> {
  const outcome = requireExit(session, await runTerraform(session, ['output', '-json', '-no-color'], 'quiet'));
  const parsed = parseOutputs(session, outcome.stdout);
  const declaredSensitive = session.ctx.config.sensitiveOutputs ?? [];
  const values: Outputs = {};
  const sensitive: string[] = [];
  for (const [name, output] of Object.entries(parsed)) {
    values[name] = outputText(output.value);
    if (output.sensitive || declaredSensitive.includes(name)) sensitive.push(name);
  }
  return {
    values,
    sensitive: sensitive.sort(),
    unknownSensitive: declaredSensitive.filter((name) => !(name in parsed)),
  };
}

/** The step's result: the module's outputs, the sensitive ones named so they are never shown. */
export async function resultWithOutputs(session: TerraformSession, summary: string): Promise<StepResult> {
  const outputs = await readOutputs(session);
  for (const name of outputs.unknownSensitive) {
    session.ctx.log(`Note: \`sensitiveOutputs\` names "${name}", but the module has no output of that name.`);
  }
  return {
    outputs: outputs.values,
    summary,
    ...(outputs.sensitive.length > 0 ? { sensitiveOutputs: outputs.sensitive } : {}),
  };
}
