/**
 * Adapter settings that are waits (a poll interval, a traffic shift) are
 * written like every other duration in Baton's config (45s, 30m, 1h30m),
 * plus milliseconds (500ms) for fast endpoints and short trials.
 */
import { DURATION_FORM, parseDuration } from '../src/pipeline/duration.ts';

const MILLISECONDS = /^(\d+)ms$/;

export const WAIT_FORM = `${DURATION_FORM}, or milliseconds such as 500ms`;

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

/** For settings the schema has already checked. */
export function checkedDurationMs(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) throw new Error(`"${text}" is not a duration: write ${WAIT_FORM}`);
  return ms;
}

/** "7s", "2m30s" or "250ms": for messages about waits Baton computed itself. */
export function describeWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)}m${rest === 0 ? '' : `${rest}s`}`;
}
