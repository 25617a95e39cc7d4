/** Gathers the records the DORA figures are computed from, through the store's queries. */
import type { Store } from '../engine/contract.ts';
import { doraFigures, type DoraFigures, type DoraInput } from './dora.ts';
import type { Pipeline } from './model.ts';
import { environmentIn } from './runtime.ts';

export const DORA_DEFAULT_DAYS = 30;
export const DORA_MAX_DAYS = 365;

/** The records of one environment (the pipeline's last, production, when none is named) and of the first, read once for any number of windows. */
export async function doraRecords(
  deps: { store: Store; pipeline: Pipeline },
  environment: string | undefined,
): Promise<Omit<DoraInput, 'now' | 'days'>> {
  const { pipeline, store } = deps;
  const measured = environment === undefined ? pipeline.environments.at(-1) : environmentIn(pipeline, environment);
  const first = pipeline.environments[0];
  if (!measured || !first) throw new Error('The pipeline has no environments.');
  const promotions = await store.listPromotions({ environment: measured.name });
  const firstPromotions =
    first.name === measured.name ? promotions : await store.listPromotions({ environment: first.name });
  return { environment: measured.name, firstEnvironment: first.name, promotions, firstPromotions };
}

/** The figures of one environment (the pipeline's last, production, when none is named) over the last `days` days. */
export async function queryDora(
  deps: { store: Store; pipeline: Pipeline },
  environment: string | undefined,
  days: number,
  now: Date,
): Promise<DoraFigures> {
  return doraFigures({ ...(await doraRecords(deps, environment)), now, days });
}
