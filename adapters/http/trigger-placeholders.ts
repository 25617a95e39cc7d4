/**
 * `${trigger.body.<path>}` and `${trigger.headers.<name>}`: values from the
 * trigger's answer, which exists only after the trigger, so the adapter fills
 * them in itself (the core fills every other placeholder before the step).
 *
 *     ${trigger.headers.location}    a response header, any case
 *     ${trigger.body.run.id}         a value in the JSON body ($.run.id); also ${trigger.body.runs[0].id}
 *     ${trigger.body}                the whole body as text
 */
import { parseJsonBody, quoteBody } from './answers.ts';
import { jsonPathProblem, valueAtJsonPath } from './json-path.ts';
import type { TriggerResponse } from './trigger-record.ts';

const TRIGGER_PLACEHOLDER = /\$\{trigger\.([^}]*)\}/g;

const TRIGGER_PLACEHOLDER_FORMS = '${trigger.body.<json path>}, ${trigger.body} or ${trigger.headers.<name>}';

/** A placeholder that cannot be filled from this answer; the message says which and why. */
export class TriggerPlaceholderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TriggerPlaceholderError';
  }
}

/** A JSON value as text: strings as they are, anything else as JSON. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function bodyValue(placeholder: string, jsonPath: string, response: TriggerResponse): string {
  const parsed = parseJsonBody(response.body);
  if (!parsed.ok) {
    throw new TriggerPlaceholderError(
      `${placeholder} needs a JSON answer from the trigger, but ${parsed.problem}: ${quoteBody(response.body)}`,
    );
  }
  const problem = jsonPathProblem(jsonPath);
  if (problem !== undefined) throw new TriggerPlaceholderError(`${placeholder}: ${problem}`);
  const lookup = valueAtJsonPath(parsed.document, jsonPath);
  if (!lookup.found || lookup.value === null) {
    throw new TriggerPlaceholderError(
      `${placeholder}: the trigger's answer has no ${jsonPath}. It was: ${quoteBody(response.body)}`,
    );
  }
  return valueText(lookup.value);
}

function fill(placeholder: string, inner: string, response: TriggerResponse): string {
  if (inner === 'body') return response.body;
  if (inner.startsWith('body.') || inner.startsWith('body['))
    return bodyValue(placeholder, `$${inner.slice('body'.length)}`, response);
  if (inner.startsWith('headers.')) {
    const name = inner.slice('headers.'.length).toLowerCase();
    const value = response.headers[name];
    if (value === undefined) {
      const names = Object.keys(response.headers).sort().join(', ');
      throw new TriggerPlaceholderError(
        `${placeholder}: the trigger's answer has no ${name} header (it had: ${names || 'none'})`,
      );
    }
    return value;
  }
  throw new TriggerPlaceholderError(
    `${placeholder} is not a placeholder Baton knows: use ${TRIGGER_PLACEHOLDER_FORMS}`,
  );
}

export function fillTriggerPlaceholders(text: string, response: TriggerResponse): string {
  return text.replace(TRIGGER_PLACEHOLDER, (placeholder: string, inner: string) =>
    fill(placeholder, inner.trim(), response),
  );
}

export function fillTriggerPlaceholdersInHeaders(
  headers: Record<string, string>,
  response: TriggerResponse,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, fillTriggerPlaceholders(value, response)]),
  );
}
