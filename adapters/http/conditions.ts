/**
 * `success` and `failure` conditions: a JSON path into the poll answer and
 * one test. Values are compared as text, so `equals: 1` matches 1 and "1";
 * a value that is not there never meets a condition.
 */
import { valueAtJsonPath, type JsonPathLookup } from './json-path.ts';
import type { Condition } from './schema.ts';

const OBSERVED_LIMIT = 200;

type Scalar = string | number | boolean | null;

function asText(value: unknown): string {
  return value === null || typeof value !== 'object' ? String(value) : JSON.stringify(value);
}

function matchesExpected(value: unknown, expected: Scalar): boolean {
  return asText(value) === String(expected);
}

function met(condition: Condition, lookup: JsonPathLookup): boolean {
  if (!lookup.found) return false;
  if (condition.equals !== undefined) return matchesExpected(lookup.value, condition.equals);
  if (condition.in !== undefined) return condition.in.some((expected) => matchesExpected(lookup.value, expected));
  if (condition.matches !== undefined) return new RegExp(condition.matches).test(asText(lookup.value));
  return false;
}

/** `"in_progress"`, `42`, or `missing`: what the answer held at the condition's path. */
function describeObserved(lookup: JsonPathLookup): string {
  if (!lookup.found) return 'missing';
  const text = JSON.stringify(lookup.value) ?? String(lookup.value);
  return text.length <= OBSERVED_LIMIT ? text : `${text.slice(0, OBSERVED_LIMIT)}…`;
}

export interface ConditionCheck {
  met: boolean;
  observed: string;
}

export function checkCondition(condition: Condition, document: unknown): ConditionCheck {
  const lookup = valueAtJsonPath(document, condition.jsonPath);
  return { met: met(condition, lookup), observed: describeObserved(lookup) };
}

/** "$.status equals completed", "$.conclusion in [failure, cancelled]", "$.state matches /^done/". */
export function describeCondition(condition: Condition): string {
  if (condition.equals !== undefined) return `${condition.jsonPath} equals ${String(condition.equals)}`;
  if (condition.in !== undefined) return `${condition.jsonPath} in [${condition.in.map(String).join(', ')}]`;
  return `${condition.jsonPath} matches /${condition.matches ?? ''}/`;
}
