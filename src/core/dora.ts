/**
 * The four DORA figures of one environment over a window of days, computed
 * from promotion records alone (a pure function: the store gathers the
 * records, so a SQL store can later compute the same in a query). The README
 * defines each figure; the definitions here are the same words.
 */
import type { Promotion, PromotionState } from './model.ts';

export interface DoraInput {
  /** The environment measured (production, by default). */
  environment: string;
  /** The pipeline's first environment, where a change starts its way. */
  firstEnvironment: string;
  /** Every promotion into `environment`, in any order. */
  promotions: readonly Promotion[];
  /** Every promotion into `firstEnvironment` (the same list when it is the environment measured). */
  firstPromotions: readonly Promotion[];
  now: Date;
  days: number;
}

export interface DoraFigures {
  environment: string;
  firstEnvironment: string;
  days: number;
  /** The window: promotions that finished after `from` and up to `to` (ISO times). */
  from: string;
  to: string;
  /** Promotions into the environment that succeeded (and were not rolled back since) in the window, and that per day. */
  deployments: number;
  deploymentsPerDay: number;
  /** Median time from a component version's first request into the first environment to its first success here; over `changes` versions. */
  leadTimeSeconds: number | null;
  changes: number;
  /** Promotions that ran here (a step started) and finished in the window, and how many of them failed, were interrupted or were rolled back. */
  finished: number;
  failures: number;
  changeFailureRate: number | null;
  /** Median time from a failure to the next success here, over the outages restored in the window; `unrestored` are still open. */
  timeToRestoreSeconds: number | null;
  restored: number;
  unrestored: number;
}

const FAILED: readonly PromotionState[] = ['failed', 'interrupted', 'rolled_back'];
const DAY_MS = 86_400_000;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Whether the promotion changed anything at all: one refused, rejected or whose plan failed never ran a step. */
function ran(promotion: Promotion): boolean {
  return promotion.steps.some((step) => step.startedAt !== undefined);
}

function finishedAt(promotion: Promotion): number {
  return promotion.finishedAt ? Date.parse(promotion.finishedAt) : Number.NaN;
}

/** Promotions that ran and finished, oldest first. */
function finishedRuns(promotions: readonly Promotion[]): Promotion[] {
  return promotions
    .filter((p) => ran(p) && Number.isFinite(finishedAt(p)) && (p.state === 'succeeded' || FAILED.includes(p.state)))
    .sort((a, b) => finishedAt(a) - finishedAt(b));
}

/** When each component version was first asked for in the first environment (ms). */
function firstRequests(promotions: readonly Promotion[]): Map<string, number> {
  const first = new Map<string, number>();
  for (const promotion of promotions) {
    const at = Date.parse(promotion.requestedAt);
    for (const [component, version] of Object.entries(promotion.release.versions)) {
      const key = `${component}@${version}`;
      if (at < (first.get(key) ?? Number.POSITIVE_INFINITY)) first.set(key, at);
    }
  }
  return first;
}

function leadTimes(
  runs: readonly Promotion[],
  firstPromotions: readonly Promotion[],
  inWindow: (at: number) => boolean,
): number[] {
  const requested = firstRequests(firstPromotions);
  const succeeded = new Set<string>();
  const times: number[] = [];
  for (const promotion of runs) {
    if (promotion.state !== 'succeeded') continue;
    for (const [component, version] of Object.entries(promotion.release.versions)) {
      const key = `${component}@${version}`;
      // Only a version's first success here is a change; promoting it again changes nothing.
      if (succeeded.has(key)) continue;
      succeeded.add(key);
      const since = requested.get(key);
      if (since !== undefined && inWindow(finishedAt(promotion))) times.push((finishedAt(promotion) - since) / 1000);
    }
  }
  return times;
}

/** Outages: from a failure (with none open) to the next success; those whose failure is in the window. */
function outages(
  runs: readonly Promotion[],
  inWindow: (at: number) => boolean,
): { restored: number[]; unrestored: number } {
  const restored: number[] = [];
  let open: number | undefined;
  for (const promotion of runs) {
    const at = finishedAt(promotion);
    if (FAILED.includes(promotion.state)) {
      if (open === undefined && inWindow(at)) open = at;
    } else if (open !== undefined) {
      restored.push((at - open) / 1000);
      open = undefined;
    }
  }
  return { restored, unrestored: open === undefined ? 0 : 1 };
}

export function doraFigures(input: DoraInput): DoraFigures {
  const to = input.now.getTime();
  const from = to - input.days * DAY_MS;
  const inWindow = (at: number) => at > from && at <= to;
  const runs = finishedRuns(input.promotions);
  const windowRuns = runs.filter((p) => inWindow(finishedAt(p)));
  const deployments = windowRuns.filter((p) => p.state === 'succeeded').length;
  const failures = windowRuns.filter((p) => FAILED.includes(p.state)).length;
  const lead = leadTimes(runs, input.firstPromotions, inWindow);
  const { restored, unrestored } = outages(runs, inWindow);
  return {
    environment: input.environment,
    firstEnvironment: input.firstEnvironment,
    days: input.days,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    deployments,
    deploymentsPerDay: deployments / input.days,
    leadTimeSeconds: median(lead),
    changes: lead.length,
    finished: windowRuns.length,
    failures,
    changeFailureRate: windowRuns.length === 0 ? null : failures / windowRuns.length,
    timeToRestoreSeconds: median(restored),
    restored: restored.length,
    unrestored,
  };
}
