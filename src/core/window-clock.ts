/**
 * Whether an instant falls inside a weekly promotion window, evaluated on the
 * wall clock of the window's time zone so that DST changes move the window
 * with the local clock.
 */
import type { PromotionWindow } from './model.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const SEARCH_DAYS = 8;

interface LocalTime {
  /** The local date and time written as if it were UTC, to the second. */
  wallMs: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function isoWeekdayOf(wallMs: number): number {
  return new Date(wallMs).getUTCDay() || 7;
}

function localTime(instant: number, timeZone: string): LocalTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) fields[part.type] = Number(part.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  return { wallMs, isoWeekday: isoWeekdayOf(wallMs), minuteOfDay: hour * 60 + minute };
}

function offsetAt(instant: number, timeZone: string): number {
  return localTime(instant, timeZone).wallMs - Math.floor(instant / 1000) * 1000;
}

/** The first instant at which the zone's wall clock reads `wallMs` or later. */
function instantOfWallTime(wallMs: number, timeZone: string): number {
  // A day either side is before and after any DST change near this wall time.
  const offsets = [offsetAt(wallMs - DAY_MS, timeZone), offsetAt(wallMs + DAY_MS, timeZone)];
  const exact = offsets
    .map((offset) => wallMs - offset)
    .filter((instant) => localTime(instant, timeZone).wallMs === wallMs);
  if (exact.length > 0) return Math.min(...exact);
  // The wall time was skipped when clocks jumped forward: find the jump.
  let before = wallMs - Math.max(...offsets);
  let after = wallMs - Math.min(...offsets);
  while (after - before > MINUTE_MS) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
    if (localTime(middle, timeZone).wallMs >= wallMs) after = middle;
    else before = middle;
  }
  return after;
}

/** Overnight windows (end before start) belong to the day they start on. */
export function isInsideWindow(window: PromotionWindow, at: Date): boolean {
  const { isoWeekday, minuteOfDay } = localTime(at.getTime(), window.timeZone);
  const startsToday = window.days.includes(isoWeekday);
  if (window.startMinute < window.endMinute) {
    return startsToday && minuteOfDay >= window.startMinute && minuteOfDay < window.endMinute;
  }
  const startedYesterday = window.days.includes(isoWeekday === 1 ? 7 : isoWeekday - 1);
  return (startsToday && minuteOfDay >= window.startMinute) || (startedYesterday && minuteOfDay < window.endMinute);
}

/** No windows means promotions are allowed at any time. */
export function isInsideAnyWindow(windows: readonly PromotionWindow[], at: Date): boolean {
  return windows.length === 0 || windows.some((window) => isInsideWindow(window, at));
}

/**
 * The earliest instant at or after `at` when a window is open: `at` itself when
 * one already is, otherwise the next opening within eight days (undefined when
 * none opens that soon).
 */
export function nextWindowOpening(windows: readonly PromotionWindow[], at: Date): Date | undefined {
  if (isInsideAnyWindow(windows, at)) return new Date(at.getTime());
  const from = at.getTime();
  const limit = from + SEARCH_DAYS * DAY_MS;
  let earliest: number | undefined;
  for (const window of windows) {
    const today = new Date(localTime(from, window.timeZone).wallMs);
    for (let dayOffset = 0; dayOffset <= SEARCH_DAYS; dayOffset++) {
      const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + dayOffset);
      if (!window.days.includes(isoWeekdayOf(midnight))) continue;
      const opening = instantOfWallTime(midnight + window.startMinute * MINUTE_MS, window.timeZone);
      const isEarlier = earliest === undefined || opening < earliest;
      if (opening > from && opening <= limit && isEarlier && isInsideWindow(window, new Date(opening))) {
        earliest = opening;
      }
    }
  }
  return earliest === undefined ? undefined : new Date(earliest);
}
