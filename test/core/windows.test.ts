import { describe, expect, it } from 'vitest';
import type { PromotionWindow } from '../../src/core/model.ts';
import { isInsideAnyWindow, isInsideWindow, nextWindowOpening } from '../../src/core/window-clock.ts';
import { parsePromotionWindow } from '../../src/config-loader/window-syntax.ts';

const window = parsePromotionWindow;
const at = (iso: string): Date => new Date(iso);

describe('isInsideWindow', () => {
  const berlinWorkdays = window('Mon-Thu 09:00-16:00 Europe/Berlin');

  it('uses the wall clock of the window time zone in winter (UTC+1)', () => {
    // Thursday 2026-03-26, CET.
    expect(isInsideWindow(berlinWorkdays, at('2026-03-26T07:59:59Z'))).toBe(false);
    expect(isInsideWindow(berlinWorkdays, at('2026-03-26T08:00:00Z'))).toBe(true);
    expect(isInsideWindow(berlinWorkdays, at('2026-03-26T14:59:59Z'))).toBe(true);
    expect(isInsideWindow(berlinWorkdays, at('2026-03-26T15:00:00Z'))).toBe(false);
  });

  it('moves with the clocks after the spring DST change on 2026-03-29 (UTC+2)', () => {
    // Monday 2026-03-30, CEST.
    expect(isInsideWindow(berlinWorkdays, at('2026-03-30T06:59:00Z'))).toBe(false);
    expect(isInsideWindow(berlinWorkdays, at('2026-03-30T07:00:00Z'))).toBe(true);
    expect(isInsideWindow(berlinWorkdays, at('2026-03-30T13:59:00Z'))).toBe(true);
    expect(isInsideWindow(berlinWorkdays, at('2026-03-30T14:00:00Z'))).toBe(false);
  });

  it('moves back after the autumn DST change on 2026-10-25', () => {
    // Thursday 2026-10-22 is CEST, Monday 2026-10-26 is CET.
    expect(isInsideWindow(berlinWorkdays, at('2026-10-22T07:00:00Z'))).toBe(true);
    expect(isInsideWindow(berlinWorkdays, at('2026-10-26T07:00:00Z'))).toBe(false);
    expect(isInsideWindow(berlinWorkdays, at('2026-10-26T08:00:00Z'))).toBe(true);
  });

  it('counts only the hours that exist on the night the clocks jump forward', () => {
    const sundayNight = window('Sun 01:00-04:00 Europe/Berlin');
    // 01:00 CET is 00:00Z; 02:00-03:00 local does not exist; 04:00 CEST is 02:00Z.
    expect(isInsideWindow(sundayNight, at('2026-03-28T23:59:00Z'))).toBe(false);
    expect(isInsideWindow(sundayNight, at('2026-03-29T00:00:00Z'))).toBe(true);
    expect(isInsideWindow(sundayNight, at('2026-03-29T01:30:00Z'))).toBe(true);
    expect(isInsideWindow(sundayNight, at('2026-03-29T02:00:00Z'))).toBe(false);
  });

  it('tells the same instant apart in different time zones', () => {
    const instant = at('2026-06-01T08:30:00Z'); // Monday: 10:30 in Berlin, 17:30 in Tokyo, 04:30 in New York.
    expect(isInsideWindow(window('Mon 09:00-12:00 Europe/Berlin'), instant)).toBe(true);
    expect(isInsideWindow(window('Mon 09:00-12:00 Asia/Tokyo'), instant)).toBe(false);
    expect(isInsideWindow(window('Mon 09:00-12:00 America/New_York'), instant)).toBe(false);
    expect(isInsideWindow(window('Mon 17:00-18:00 Asia/Tokyo'), instant)).toBe(true);
  });

  it('uses the local weekday, not the UTC one', () => {
    // 2026-06-06T23:30Z is Saturday in UTC but Sunday 08:30 in Tokyo.
    expect(isInsideWindow(window('Sun 08:00-09:00 Asia/Tokyo'), at('2026-06-06T23:30:00Z'))).toBe(true);
    expect(isInsideWindow(window('Sat 08:00-09:00 Asia/Tokyo'), at('2026-06-06T23:30:00Z'))).toBe(false);
  });

  describe('an overnight window Sat 22:00-02:00 America/New_York (EDT, UTC-4)', () => {
    const overnight = window('Sat 22:00-02:00 America/New_York');

    it('opens on Saturday evening', () => {
      expect(isInsideWindow(overnight, at('2026-06-07T01:59:00Z'))).toBe(false); // Sat 21:59
      expect(isInsideWindow(overnight, at('2026-06-07T02:00:00Z'))).toBe(true); // Sat 22:00
    });

    it('belongs to the day it starts on: Sunday 01:00 is inside', () => {
      expect(isInsideWindow(overnight, at('2026-06-07T05:00:00Z'))).toBe(true); // Sun 01:00
      expect(isInsideWindow(overnight, at('2026-06-07T06:00:00Z'))).toBe(false); // Sun 02:00
    });

    it('does not open in the small hours of other days', () => {
      expect(isInsideWindow(overnight, at('2026-06-06T05:00:00Z'))).toBe(false); // Sat 01:00
      expect(isInsideWindow(overnight, at('2026-06-08T05:00:00Z'))).toBe(false); // Mon 01:00
      expect(isInsideWindow(overnight, at('2026-06-07T23:00:00Z'))).toBe(false); // Sun 19:00
    });
  });

  it('treats a day range that wraps around the week as the days in between', () => {
    const longWeekend = window('Fri-Mon 10:00-12:00 UTC');
    expect(isInsideWindow(longWeekend, at('2026-06-07T11:00:00Z'))).toBe(true); // Sunday
    expect(isInsideWindow(longWeekend, at('2026-06-08T11:00:00Z'))).toBe(true); // Monday
    expect(isInsideWindow(longWeekend, at('2026-06-09T11:00:00Z'))).toBe(false); // Tuesday
  });

  it('runs a window ending at 24:00 up to midnight', () => {
    const evening = window('Wed 20:00-24:00 UTC');
    expect(isInsideWindow(evening, at('2026-06-03T23:59:59Z'))).toBe(true);
    expect(isInsideWindow(evening, at('2026-06-04T00:00:00Z'))).toBe(false);
  });
});

describe('isInsideAnyWindow', () => {
  it('allows any time when there are no windows', () => {
    expect(isInsideAnyWindow([], at('2026-06-07T03:00:00Z'))).toBe(true);
  });

  it('is true when one of the windows is open', () => {
    const windows = [window('Mon 09:00-10:00 UTC'), window('Sun 02:00-04:00 UTC')];
    expect(isInsideAnyWindow(windows, at('2026-06-07T03:00:00Z'))).toBe(true);
    expect(isInsideAnyWindow(windows, at('2026-06-07T05:00:00Z'))).toBe(false);
  });
});

describe('nextWindowOpening', () => {
  it('finds Monday 09:00 Berlin from a Friday evening, across the spring DST change', () => {
    const opening = nextWindowOpening([window('Mon-Thu 09:00-16:00 Europe/Berlin')], at('2026-03-27T17:00:00Z'));
    expect(opening?.toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('finds the opening later the same day', () => {
    const opening = nextWindowOpening([window('Mon-Thu 09:00-16:00 Europe/Berlin')], at('2026-10-26T05:00:00Z'));
    expect(opening?.toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('returns the instant itself when a window is already open', () => {
    const now = at('2026-03-26T10:00:00Z');
    expect(nextWindowOpening([window('Mon-Thu 09:00-16:00 Europe/Berlin')], now)?.toISOString()).toBe(
      now.toISOString(),
    );
  });

  it('picks the earliest opening among windows in different time zones', () => {
    const windows = [window('Mon 09:00-10:00 Europe/Berlin'), window('Mon 09:00-10:00 Asia/Tokyo')];
    // From Sunday noon UTC: Tokyo opens Monday 00:00Z, Berlin Monday 07:00Z (CEST).
    expect(nextWindowOpening(windows, at('2026-06-07T12:00:00Z'))?.toISOString()).toBe('2026-06-08T00:00:00.000Z');
  });

  it('opens an overnight window at its start, a week later when this one just closed', () => {
    const overnight = window('Sat 22:00-02:00 America/New_York');
    expect(nextWindowOpening([overnight], at('2026-06-07T06:00:00Z'))?.toISOString()).toBe('2026-06-14T02:00:00.000Z');
  });

  it('opens when the clocks jump past a start time that does not exist that night', () => {
    // 02:30 is skipped in Berlin on 2026-03-29: clocks go from 02:00 CET to 03:00 CEST at 01:00Z.
    const opening = nextWindowOpening([window('Sun 02:30-05:00 Europe/Berlin')], at('2026-03-28T12:00:00Z'));
    expect(opening?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('opens at the first of the two 02:30s when the clocks go back', () => {
    // On 2026-10-25 Berlin reads 02:30 at 00:30Z (CEST) and again at 01:30Z (CET).
    const opening = nextWindowOpening([window('Sun 02:30-03:30 Europe/Berlin')], at('2026-10-24T12:00:00Z'));
    expect(opening?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('returns undefined when no window ever opens', () => {
    const never: PromotionWindow = { text: 'never', days: [], startMinute: 0, endMinute: 60, timeZone: 'UTC' };
    expect(nextWindowOpening([never], at('2026-06-07T12:00:00Z'))).toBeUndefined();
  });
});
