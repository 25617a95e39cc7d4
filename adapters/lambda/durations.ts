/**
 * `weighted.for` and `waitTimeout` are written like every other duration in
 * Baton's config (45s, 30m, 1h30m), plus milliseconds (500ms) so a short
 * shift can be tried out without waiting minutes.
 */
import { DURATION_FORM, parseDuration } from '../../src/pipeline/duration.ts';

const MILLISECONDS = /^(\d+)ms$/;

export const DURATION_EXAMPLES = `${DURATION_FORM}, or milliseconds such as 500ms`;

/** Milliseconds, or undefined when `text` is not a duration. */
export function durationMs(text: string): number | undefined {
  const milliseconds = MILLISECONDS.exec(text.trim());
  if (milliseconds?.[1] !== undefined) return Number(milliseconds[1]);
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/** For durations the settings schema has already checked. */
export function checkedDurationMs(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new Error(`"${text}" is not a duration: write ${DURATION_EXAMPLES}`);
  return ms;
}
