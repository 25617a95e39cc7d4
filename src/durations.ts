/**
 * Durations as Baton's config writes them (45s, 30m, 1h30m, 2d), plus
 * milliseconds (500ms) for adapter settings that are waits: a poll interval
 * against a fast endpoint, a short traffic shift.
 */
import { BatonError, ErrorCode } from './errors.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION = /^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/;
const MILLISECONDS = /^(\d+)ms$/;

export const DURATION_FORM = 'a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d';

export const WAIT_FORM = `${DURATION_FORM}, or milliseconds such as 500ms`;

/** Parses `45s`, `30m`, `1h30m`, `1h 15m` or `2d` into milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (trimmed === '' || !match) {
    throw new BatonError(ErrorCode.ConfigInvalid, `"${text}" is not a duration: write ${DURATION_FORM}`);
  }
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * UNIT_MS.d +
    Number(hours ?? 0) * UNIT_MS.h +
    Number(minutes ?? 0) * UNIT_MS.m +
    Number(seconds ?? 0) * UNIT_MS.s
  );
}

/** For schemas: true when `text` is a duration in Baton's config form and longer than zero. */
export function isPositiveDuration(text: string): boolean {
  try {
    return parseDuration(text) > 0;
  } catch {
    return false;
  }
}

/** Writes milliseconds the way `parseDuration` reads them, to the second: `1h30m`. */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms / UNIT_MS.s) * UNIT_MS.s;
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text === '' ? '0s' : text;
}

/** Milliseconds, or undefined when `text` is not a duration (config form or milliseconds). */
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

/** "0.4s" or "2m30s": how long a program ran, for step logs and messages. */
export function formatElapsed(ms: number): string {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
