/**
 * The step's outputs: each is a JSON path into the final answer (the last
 * poll, or the trigger when there is no `poll`), or a `${trigger.…}`
 * placeholder for a value of the trigger's answer such as its Location.
 */
import type { Outputs } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { parseJsonBody, quoteBody } from './answers.ts';
import { valueAtJsonPath } from './json-path.ts';
import type { Redact } from './redaction.ts';
import { fillTriggerPlaceholders, TriggerPlaceholderError, valueText } from './trigger-placeholders.ts';
import type { TriggerResponse } from './trigger-record.ts';

export interface OutputSource {
  /** The answer the JSON paths read: its body and where it came from. */
  body: string;
  from: string;
  trigger: TriggerResponse;
}

function readOutput(expression: string, source: OutputSource): string {
  if (expression.startsWith('${')) return fillTriggerPlaceholders(expression, source.trigger);
  const parsed = parseJsonBody(source.body);
  if (!parsed.ok) throw new TriggerPlaceholderError(`the answer from ${source.from} is not JSON: ${parsed.problem}`);
  const lookup = valueAtJsonPath(parsed.document, expression);
  if (!lookup.found || lookup.value === null) {
    throw new TriggerPlaceholderError(
      `the answer from ${source.from} has no ${expression}. It was: ${quoteBody(source.body)}`,
    );
  }
  return valueText(lookup.value);
}

export function extractOutputs(
  outputs: Record<string, string> | undefined,
  source: OutputSource,
  context: { redact: Redact; pipeline: string },
): Outputs {
  const extracted: Outputs = {};
  for (const [name, expression] of Object.entries(outputs ?? {})) {
    try {
      extracted[name] = readOutput(expression, source);
    } catch (error) {
      if (!(error instanceof TriggerPlaceholderError)) throw error;
      throw new TerminalStepError(
        context.redact(
          `${context.pipeline} ran, but its output \`${name}\` (${expression}) cannot be read: ${error.message}\n` +
            `Steps that need ${name} cannot start. Fix \`outputs.${name}\` in the component settings and run the promotion again.`,
        ),
        { cause: error },
      );
    }
  }
  return extracted;
}
