/**
 * Drift as the dashboard shows it: the last reading of each environment,
 * with when it was taken. Reading asks every target (`current()`), which can
 * be slow and costs the targets something, so a page load never reads: a
 * person asks for a check, everyone asking at once shares one reading, and a
 * reading younger than `freshForMs` is answered from memory.
 */
import type { Clock } from '../capabilities.ts';
import type { DriftReport } from '../drift.ts';

export const DRIFT_FRESH_MS = 30_000;

export interface DriftCheck {
  report: DriftReport;
  /** False when the answer is a reading taken less than `freshForMs` ago. */
  read: boolean;
}

export class DriftReadings {
  private readonly last = new Map<string, DriftReport>();
  private readonly reading = new Map<string, Promise<DriftReport>>();

  constructor(
    private readonly read: (environment: string) => Promise<DriftReport>,
    private readonly clock: Clock,
    private readonly freshForMs = DRIFT_FRESH_MS,
  ) {}

  /** The last reading of each environment that has one. */
  latest(): DriftReport[] {
    return [...this.last.values()];
  }

  async check(environment: string): Promise<DriftCheck> {
    const last = this.last.get(environment);
    if (last && this.clock.now().getTime() - Date.parse(last.at) < this.freshForMs)
      return { report: last, read: false };
    const pending = this.reading.get(environment);
    if (pending) return { report: await pending, read: false };
    const started = this.read(environment);
    this.reading.set(environment, started);
    try {
      const report = await started;
      this.last.set(environment, report);
      return { report, read: true };
    } finally {
      this.reading.delete(environment);
    }
  }
}
