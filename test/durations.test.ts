import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/durations.ts';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['1h 15m', 4_500_000],
    ['2d', 172_800_000],
    ['1d2h3m4s', 93_784_000],
    ['90m', 5_400_000],
    [' 10m ', 600_000],
    ['0s', 0],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30 minutes', '-5m', '1x', '', '1.5h', 'm', '30m1h', '30M', '1h30'])(
    'rejects %j and names the expected form',
    (text) => {
      expect(() => parseDuration(text)).toThrow(
        `"${text}" is not a duration: write a number and a unit (d, h, m, s), largest unit first, e.g. 45s, 30m, 1h30m or 2d`,
      );
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h30m'],
    [45_000, '45s'],
    [172_800_000, '2d'],
    [90_061_000, '1d1h1m1s'],
    [0, '0s'],
    [1_499, '1s'],
    [-60_000, '-1m'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes what parseDuration reads back', () => {
    for (const text of ['45s', '30m', '1h30m', '2d', '3d4h5m6s'])
      expect(formatDuration(parseDuration(text))).toBe(text);
  });
});
