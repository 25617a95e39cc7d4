import { BatonError, ErrorCode } from '../errors.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION = /^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/;

export const DURATION_FORM = 'a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d';

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
