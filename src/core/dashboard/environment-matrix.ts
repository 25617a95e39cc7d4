/**
 * What runs where: every environment's ledger as one table of environments ×
 * components, each cell saying since when, by whom and from which promotion.
 */
import type { Store } from '../../engine/contract.ts';
import type { Pipeline, Promotion, PromotionState, MessageRef } from '../model.ts';

export interface MatrixCell {
  version: string;
  since: string;
  promotionId: string;
  /** Who asked for the promotion that put the version there. */
  by?: string;
  /** The environment the release was taken from, when it was "what <env> runs". */
  fromEnvironment?: string;
  /** That promotion's state now: a failed one can have left some components changed. */
  promotionState?: PromotionState;
  /** Where the promotion's thread is, to link to it. */
  thread?: MessageRef;
}

export interface MatrixRow {
  environment: string;
  channel: string;
  /** Component → what runs there; absent when Baton has promoted nothing of it here. */
  cells: Record<string, MatrixCell>;
  /** The promotion holding the environment now. */
  busyWith?: string;
}

export interface EnvironmentMatrix {
  components: string[];
  environments: MatrixRow[];
}

function cellOf(
  entry: { version: string; since: string; promotionId: string },
  promotion: Promotion | undefined,
  thread: MessageRef | undefined,
): MatrixCell {
  return {
    version: entry.version,
    since: entry.since,
    promotionId: entry.promotionId,
    ...(promotion ? { by: promotion.requestedBy, promotionState: promotion.state } : {}),
    ...(promotion?.fromEnvironment ? { fromEnvironment: promotion.fromEnvironment } : {}),
    ...(thread ? { thread: { channel: thread.channel, messageId: thread.messageId } } : {}),
  };
}

/** Reads every environment's ledger, each promotion a ledger names once, and their threads in one read. */
export async function readEnvironmentMatrix(store: Store, pipeline: Pipeline): Promise<EnvironmentMatrix> {
  const rows = await Promise.all(
    pipeline.environments.map(async (environment) => ({
      environment,
      ledger: await store.getLedger(environment.name),
      holder: await store.lockHolder(environment.name),
    })),
  );
  const ids = [...new Set(rows.flatMap(({ ledger }) => Object.values(ledger).map((entry) => entry.promotionId)))];
  const [promotions, threads] = await Promise.all([
    Promise.all(ids.map(async (id) => [id, await store.getPromotion(id)] as const)).then((found) => new Map(found)),
    store.threadsOf(ids),
  ]);
  return {
    components: pipeline.components.map((c) => c.name),
    environments: rows.map(({ environment, ledger, holder }) => ({
      environment: environment.name,
      channel: environment.channel,
      cells: Object.fromEntries(
        Object.entries(ledger).map(([component, entry]) => [
          component,
          cellOf(entry, promotions.get(entry.promotionId), threads.get(entry.promotionId)),
        ]),
      ),
      ...(holder ? { busyWith: holder } : {}),
    })),
  };
}
