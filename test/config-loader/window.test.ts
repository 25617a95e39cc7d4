import { describe, expect, it } from 'vitest';
import { parsePromotionWindow } from '../../src/config-loader/window-syntax.ts';

describe('parsePromotionWindow', () => {
  it('reads a day range, times and a time zone', () => {
    expect(parsePromotionWindow('Mon-Thu 09:00-16:00 Europe/Berlin')).toEqual({
      text: 'Mon-Thu 09:00-16:00 Europe/Berlin',
      days: [1, 2, 3, 4],
      startMinute: 540,
      endMinute: 960,
      timeZone: 'Europe/Berlin',
    });
  });

  it('reads a list of days', () => {
    expect(parsePromotionWindow('Mon,Wed,Fri 08:00-12:00 UTC')).toMatchObject({
      days: [1, 3, 5],
      startMinute: 480,
      endMinute: 720,
    });
  });

  it('reads day names in any case and mixes ranges with single days', () => {
    expect(parsePromotionWindow('mon-TUE,fri 08:00-12:00 UTC').days).toEqual([1, 2, 5]);
  });

  it('wraps a day range around the end of the week', () => {
    expect(parsePromotionWindow('Fri-Mon 10:00-12:00 UTC').days).toEqual([1, 5, 6, 7]);
  });

  it('keeps an end before the start, meaning the window runs over midnight', () => {
    expect(parsePromotionWindow('Sat 22:00-02:00 America/New_York')).toMatchObject({
      days: [6],
      startMinute: 1320,
      endMinute: 120,
      timeZone: 'America/New_York',
    });
  });

  it('accepts 24:00 as an end', () => {
    expect(parsePromotionWindow('Sun 00:00-24:00 UTC')).toMatchObject({ startMinute: 0, endMinute: 1440 });
  });

  it.each([
    [
      'Mon-Thu 09:00-16:00',
      'window "Mon-Thu 09:00-16:00": expected days, times and a time zone: "<days> <HH:MM>-<HH:MM> <time zone>", e.g. "Mon-Thu 09:00-16:00 Europe/Berlin"',
    ],
    [
      'Mon-Thur 09:00-16:00 UTC',
      'window "Mon-Thur 09:00-16:00 UTC": unknown day "Thur": use Mon, Tue, Wed, Thu, Fri, Sat or Sun, e.g. "Mon-Thu" or "Mon,Wed,Fri"',
    ],
    [
      'Mon-Wed-Fri 09:00-16:00 UTC',
      'window "Mon-Wed-Fri 09:00-16:00 UTC": day range "Mon-Wed-Fri" has more than one "-": write it as "Mon-Thu"',
    ],
    [
      'Mon 9:00-16:00 UTC',
      'window "Mon 9:00-16:00 UTC": "9:00" is not a time: write HH:MM in 24-hour time, 00:00 to 23:59',
    ],
    [
      'Mon 24:00-02:00 UTC',
      'window "Mon 24:00-02:00 UTC": "24:00" is not a time: write HH:MM in 24-hour time, 00:00 to 23:59',
    ],
    [
      'Mon 09:00-24:30 UTC',
      'window "Mon 09:00-24:30 UTC": "24:30" is not a time: write HH:MM in 24-hour time, 00:00 to 24:00',
    ],
    [
      'Mon 09:60-10:00 UTC',
      'window "Mon 09:60-10:00 UTC": "09:60" is not a time: write HH:MM in 24-hour time, 00:00 to 23:59',
    ],
    ['Mon 09:00 UTC', 'window "Mon 09:00 UTC": times "09:00" should be a start and an end, e.g. 09:00-16:00'],
    ['Mon 09:00-09:00 UTC', 'window "Mon 09:00-09:00 UTC": start and end are both 09:00: the window would be empty'],
    [
      'Mon 09:00-16:00 Europe/Berln',
      'window "Mon 09:00-16:00 Europe/Berln": unknown time zone "Europe/Berln": use an IANA zone such as Europe/Berlin, America/New_York or UTC',
    ],
  ])('rejects %j, naming the part that is wrong', (text, message) => {
    expect(() => parsePromotionWindow(text)).toThrow(message);
  });
});
