/**
 * What the dashboard reads, in one place: what runs where (with the last
 * drift reading of each environment), the DORA figures and their trend, and
 * recent promotions. Every answer passes the dashboard's redactor.
 */
import { observeDrift, type DriftReport } from '../drift.ts';
import type { PromotionState } from '../model.ts';
import { environmentNamed, nowIso, type CoreRuntime } from '../runtime.ts';
import { dashboardRedactor, redactAll } from './dashboard-redactor.ts';
import { doraTrend, type DoraTrend } from './dora-trend.ts';
import { DriftReadings, type DriftCheck } from './drift-readings.ts';
import { readEnvironmentMatrix, type EnvironmentMatrix } from './environment-matrix.ts';
import { recentPromotions, type PromotionFilter, type PromotionSummary } from './recent-promotions.ts';

export interface MatrixView extends EnvironmentMatrix {
  /** The last drift reading of each environment checked since Baton started. */
  drift: DriftReport[];
  /** When it was read, by Baton's clock (the page shows this, not the browser's time). */
  at: string;
  /** The states a promotion can be in, for the page's filter. */
  states: readonly PromotionState[];
}

/** A record, so that a new state cannot be left out of the filter. */
const STATE_ORDER: Record<PromotionState, number> = {
  planning: 0,
  awaiting_approval: 1,
  approved: 2,
  running: 3,
  succeeded: 4,
  failed: 5,
  rejected: 6,
  rolling_back: 7,
  rolled_back: 8,
  interrupted: 9,
};

export const PROMOTION_STATES = Object.keys(STATE_ORDER) as PromotionState[];

export class DashboardQueries {
  private readonly drift: DriftReadings;

  constructor(private readonly runtime: CoreRuntime) {
    this.drift = new DriftReadings((environment) => observeDrift(runtime, environment), runtime.clock);
  }

  async matrix(): Promise<MatrixView> {
    const matrix = await readEnvironmentMatrix(this.runtime.store, this.runtime.pipeline);
    return this.redacted({ ...matrix, drift: this.drift.latest(), at: nowIso(this.runtime), states: PROMOTION_STATES });
  }

  /** Reads the targets of one environment, unless a reading is under way or fresh (see DriftReadings). */
  async checkDrift(environment: string): Promise<DriftCheck> {
    const name = environmentNamed(this.runtime, environment).name;
    return this.redacted(await this.drift.check(name));
  }

  async dora(environment: string | undefined, days: number): Promise<DoraTrend> {
    return this.redacted(await doraTrend(this.runtime, environment, days, this.runtime.clock.now()));
  }

  async promotions(filter: PromotionFilter): Promise<PromotionSummary[]> {
    if (filter.environment !== undefined) environmentNamed(this.runtime, filter.environment);
    return this.redacted(await recentPromotions(this.runtime.store, filter));
  }

  private async redacted<T>(value: T): Promise<T> {
    return redactAll(value, await dashboardRedactor(this.runtime));
  }
}
