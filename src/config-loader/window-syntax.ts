import type { PromotionWindow } from '../core/model.ts';
import { BatonError, ErrorCode } from '../errors.ts';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const TIME = /^(\d{2}):(\d{2})$/;
const MINUTES_PER_DAY = 1440;

export const WINDOW_FORM = '"<days> <HH:MM>-<HH:MM> <time zone>", e.g. "Mon-Thu 09:00-16:00 Europe/Berlin"';

function invalid(text: string, problem: string): BatonError {
  return new BatonError(ErrorCode.ConfigInvalid, `window "${text}": ${problem}`);
}

function parseDay(name: string, text: string): number {
  const index = DAY_NAMES.indexOf(name.toLowerCase());
  if (index < 0) {
    throw invalid(
      text,
      `unknown day "${name}": use Mon, Tue, Wed, Thu, Fri, Sat or Sun, e.g. "Mon-Thu" or "Mon,Wed,Fri"`,
    );
  }
  return index + 1;
}

/** `Mon-Thu`, `Mon,Wed,Fri`, `Fri-Mon` (ranges wrap around the week) → ISO weekdays. */
function parseDays(daysText: string, text: string): number[] {
  const days = new Set<number>();
  for (const item of daysText.split(',')) {
    const [first = '', last, extra] = item.split('-');
    if (extra !== undefined) throw invalid(text, `day range "${item}" has more than one "-": write it as "Mon-Thu"`);
    const start = parseDay(first, text);
    const end = last === undefined ? start : parseDay(last, text);
    for (let day = start; ; day = (day % 7) + 1) {
      days.add(day);
      if (day === end) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

function parseTime(timeText: string, text: string, allowEndOfDay: boolean): number {
  const match = TIME.exec(timeText);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  const minute = hours * 60 + minutes;
  const valid =
    match !== null && minutes < 60 && (minute < MINUTES_PER_DAY || (allowEndOfDay && minute === MINUTES_PER_DAY));
  if (!valid) {
    const range = allowEndOfDay ? '00:00 to 24:00' : '00:00 to 23:59';
    throw invalid(text, `"${timeText}" is not a time: write HH:MM in 24-hour time, ${range}`);
  }
  return minute;
}

function parseTimes(timesText: string, text: string): { startMinute: number; endMinute: number } {
  const [start, end, extra] = timesText.split('-');
  if (start === undefined || end === undefined || extra !== undefined) {
    throw invalid(text, `times "${timesText}" should be a start and an end, e.g. 09:00-16:00`);
  }
  const startMinute = parseTime(start, text, false);
  const endMinute = parseTime(end, text, true);
  if (startMinute === endMinute) throw invalid(text, `start and end are both ${start}: the window would be empty`);
  return { startMinute, endMinute };
}

function checkTimeZone(timeZone: string, text: string): void {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
  } catch {
    throw invalid(
      text,
      `unknown time zone "${timeZone}": use an IANA zone such as Europe/Berlin, America/New_York or UTC`,
    );
  }
}

/** Parses `Mon-Thu 09:00-16:00 Europe/Berlin`; an end before the start runs over midnight. */
export function parsePromotionWindow(text: string): PromotionWindow {
  const parts = text.trim().split(/\s+/);
  const [daysText, timesText, timeZone] = parts;
  if (parts.length !== 3 || daysText === undefined || timesText === undefined || timeZone === undefined) {
    throw invalid(text, `expected days, times and a time zone: ${WINDOW_FORM}`);
  }
  const days = parseDays(daysText, text);
  const { startMinute, endMinute } = parseTimes(timesText, text);
  checkTimeZone(timeZone, text);
  return { text, days, startMinute, endMinute, timeZone };
}
