/** The DORA figures of every environment over the last 30 days, as gauges read at each scrape. */
import { Gauge } from 'prom-client';
import { DORA_DEFAULT_DAYS, queryDora } from '../core/dora-query.ts';
import type { DoraFigures } from '../core/dora.ts';
import type { Pipeline } from '../core/model.ts';
import type { Clock, Logger } from '../core/capabilities.ts';
import type { Store } from '../engine/contract.ts';
import type { BatonMetrics } from './baton-metrics.ts';

type Figure = 'deploymentsPerDay' | 'leadTimeSeconds' | 'changeFailureRate' | 'timeToRestoreSeconds';

const GAUGES: readonly { name: string; help: string; figure: Figure }[] = [
  {
    name: 'baton_dora_deployments_per_day',
    help: 'Promotions that succeeded per day, over the last 30 days.',
    figure: 'deploymentsPerDay',
  },
  {
    name: 'baton_dora_lead_time_seconds',
    help: "Median time from a component version's first request into the first environment to its first success here, over the last 30 days (absent: none).",
    figure: 'leadTimeSeconds',
  },
  {
    name: 'baton_dora_change_failure_ratio',
    help: 'Share of promotions that ran here in the last 30 days and failed, were interrupted or were rolled back (absent: none ran).',
    figure: 'changeFailureRate',
  },
  {
    name: 'baton_dora_time_to_restore_seconds',
    help: 'Median time from a failure here to the next success, over the last 30 days (absent: none restored).',
    figure: 'timeToRestoreSeconds',
  },
];

/** One scrape reads the four gauges one after the other: they share one reading of the records. */
const SHARED_FOR_MS = 1_000;

export function registerDoraGauges(
  metrics: BatonMetrics,
  sources: { store: Store; pipeline: Pipeline; clock: Clock; logger: Logger },
): void {
  let reading: { at: number; figures: Promise<DoraFigures[]> } | undefined;
  const figures = (): Promise<DoraFigures[]> => {
    if (!reading || Date.now() - reading.at > SHARED_FOR_MS) {
      const now = sources.clock.now();
      reading = {
        at: Date.now(),
        figures: Promise.all(
          sources.pipeline.environments.map((e) => queryDora(sources, e.name, DORA_DEFAULT_DAYS, now)),
        ),
      };
    }
    return reading.figures;
  };
  for (const { name, help, figure } of GAUGES) {
    const gauge: Gauge<'environment'> = new Gauge({
      name,
      help,
      labelNames: ['environment'] as const,
      registers: [metrics.registry],
      collect: async () => {
        try {
          gauge.reset();
          for (const one of await figures()) {
            const value = one[figure];
            if (value !== null) gauge.set({ environment: one.environment }, value);
          }
        } catch (error) {
          sources.logger.warn({ err: error }, 'could not read the DORA figures for /metrics');
        }
      },
    });
  }
}
