/**
 * The DORA figures now and week by week, for the dashboard's tiles and their
 * trend lines: one read of the records, the same definitions for every window.
 */
import type { Store } from '../../engine/contract.ts';
import { doraRecords } from '../dora-query.ts';
import { doraFigures, type DoraFigures } from '../dora.ts';
import type { Pipeline } from '../model.ts';

export const TREND_WEEKS = 8;
const WEEK_MS = 7 * 86_400_000;

export interface DoraWeek {
  /** The end of the week (ISO); the week is the seven days before it. */
  to: string;
  deployments: number;
  leadTimeSeconds: number | null;
  changeFailureRate: number | null;
  timeToRestoreSeconds: number | null;
}

export interface DoraTrend {
  figures: DoraFigures;
  /** Oldest first, the last ending now. */
  weeks: DoraWeek[];
}

export async function doraTrend(
  deps: { store: Store; pipeline: Pipeline },
  environment: string | undefined,
  days: number,
  now: Date,
): Promise<DoraTrend> {
  const records = await doraRecords(deps, environment);
  const weeks = Array.from({ length: TREND_WEEKS }, (_, index) => {
    const to = new Date(now.getTime() - (TREND_WEEKS - 1 - index) * WEEK_MS);
    const week = doraFigures({ ...records, now: to, days: 7 });
    return {
      to: week.to,
      deployments: week.deployments,
      leadTimeSeconds: week.leadTimeSeconds,
      changeFailureRate: week.changeFailureRate,
      timeToRestoreSeconds: week.timeToRestoreSeconds,
    };
  });
  return { figures: doraFigures({ ...records, now, days }), weeks };
}
