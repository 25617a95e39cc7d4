/** The dashboard's drift readings: bounded however many people ask, and how often. */
import { describe, expect, it } from 'vitest';
import { DriftReadings } from '../../src/core/dashboard/drift-readings.ts';
import type { DriftReport } from '../../src/core/drift.ts';
import { TestClock } from '../support/test-clock.ts';

function counted(clock: TestClock) {
  let reads = 0;
  let release: () => void = () => {};
  const read = async (environment: string): Promise<DriftReport> => {
    reads += 1;
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return { environment, at: clock.now().toISOString(), components: [] };
  };
  return { read, reads: () => reads, finish: () => release() };
}

describe('drift readings for the dashboard', () => {
  it('shares one reading among everyone asking at once, and answers from memory while it is fresh', async () => {
    const clock = new TestClock();
    const targets = counted(clock);
    const readings = new DriftReadings(targets.read, clock, 30_000);
    expect(readings.latest()).toEqual([]);
    const asked = Array.from({ length: 20 }, () => readings.check('staging'));
    await new Promise((resolve) => setImmediate(resolve));
    targets.finish();
    const answers = await Promise.all(asked);
    expect(targets.reads()).toBe(1);
    expect(answers.filter((answer) => answer.read)).toHaveLength(1);

    clock.advance(29_000);
    expect((await readings.check('staging')).read).toBe(false);
    expect(targets.reads()).toBe(1);

    clock.advance(2_000);
    const again = readings.check('staging');
    await new Promise((resolve) => setImmediate(resolve));
    targets.finish();
    expect((await again).read).toBe(true);
    expect(targets.reads()).toBe(2);
    expect(readings.latest().map((report) => report.environment)).toEqual(['staging']);
  });

  it('keeps no reading that failed, so the next one asks again', async () => {
    const clock = new TestClock();
    let reads = 0;
    const readings = new DriftReadings(async () => {
      reads += 1;
      throw new Error('no route to host');
    }, clock);
    await expect(readings.check('dev')).rejects.toThrow('no route to host');
    await expect(readings.check('dev')).rejects.toThrow('no route to host');
    expect(reads).toBe(2);
    expect(readings.latest()).toEqual([]);
  });
});
