/**
 * `expectStatus`: which answers to a trigger count as "the pipeline was
 * started". Entries are exact codes (201) or classes ("2xx").
 */

export type StatusPattern = number | string;

const STATUS_CLASS = /^([1-5])xx$/i;
const EXACT = /^\d{3}$/;

export const DEFAULT_EXPECTED_STATUS: StatusPattern[] = ['2xx'];

/** The problem with one pattern, or undefined when it is valid. */
export function statusPatternProblem(pattern: StatusPattern): string | undefined {
  const text = String(pattern).trim();
  if (STATUS_CLASS.test(text)) return undefined;
  if (EXACT.test(text) && Number(text) >= 100 && Number(text) <= 599) return undefined;
  return `"${pattern}" is not a status code: write a code from 100 to 599 (201) or a class ("2xx")`;
}

function matchesOne(pattern: StatusPattern, status: number): boolean {
  const text = String(pattern).trim();
  const statusClass = STATUS_CLASS.exec(text)?.[1];
  if (statusClass !== undefined) return Math.floor(status / 100) === Number(statusClass);
  return Number(text) === status;
}

export function statusExpected(patterns: readonly StatusPattern[], status: number): boolean {
  return patterns.some((pattern) => matchesOne(pattern, status));
}

/** "2xx" or "201 or 202". */
export function describeExpectedStatus(patterns: readonly StatusPattern[]): string {
  return patterns.map((pattern) => String(pattern).toLowerCase()).join(' or ');
}
