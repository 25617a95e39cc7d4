import type { Clock } from '../../src/core/capabilities.ts';

/** A clock the test moves forward (soak, windows); time passes as usual in between. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Jumps to an instant (e.g. a weekday at 10:00 in Berlin). */
  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }
}
