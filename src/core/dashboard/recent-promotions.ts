/**
 * Recent promotions for the dashboard, narrowed by environment, state and a
 * person who took part. The store filters by environment and state; a person
 * is matched here, over a bounded number of pages so that a name nobody has
 * cannot make one request read all history.
 */
import type { Store } from '../../engine/contract.ts';
import type { Promotion, PromotionState, MessageRef } from '../model.ts';

export interface PromotionFilter {
  environment?: string;
  state?: PromotionState;
  /** Someone who requested, approved, rejected or rolled back the promotion. */
  person?: string;
  limit: number;
}

export interface PromotionSummary {
  id: string;
  release: string;
  versions: Record<string, string>;
  environment: string;
  fromEnvironment?: string;
  state: PromotionState;
  requestedBy: string;
  requestedAt: string;
  finishedAt?: string;
  approvedBy: string[];
  rejectedBy?: string;
  rolledBackBy?: string;
  thread?: MessageRef;
}

const PAGE = 100;
/** Pages read looking for a person's promotions before answering with what was found. */
const MOST_PAGES = 10;

export function tookPart(promotion: Promotion, person: string): boolean {
  return (
    promotion.requestedBy === person ||
    promotion.approvals.some((a) => a.user === person) ||
    promotion.rejectedBy?.user === person ||
    promotion.rollbackRequestedBy === person
  );
}

function summaryOf(p: Promotion, thread: MessageRef | undefined): PromotionSummary {
  return {
    id: p.id,
    release: p.release.name,
    versions: { ...p.release.versions },
    environment: p.environment,
    ...(p.fromEnvironment ? { fromEnvironment: p.fromEnvironment } : {}),
    state: p.state,
    requestedBy: p.requestedBy,
    requestedAt: p.requestedAt,
    ...(p.finishedAt ? { finishedAt: p.finishedAt } : {}),
    approvedBy: p.approvals.map((a) => a.user),
    ...(p.rejectedBy ? { rejectedBy: p.rejectedBy.user } : {}),
    ...(p.rollbackRequestedBy ? { rolledBackBy: p.rollbackRequestedBy } : {}),
    ...(thread ? { thread: { channel: thread.channel, messageId: thread.messageId } } : {}),
  };
}

/** Newest first, at most `filter.limit`, with their threads read in one go. */
export async function recentPromotions(store: Store, filter: PromotionFilter): Promise<PromotionSummary[]> {
  const promotions = await findPromotions(store, filter);
  const threads = await store.threadsOf(promotions.map((p) => p.id));
  return promotions.map((p) => summaryOf(p, threads.get(p.id)));
}

async function findPromotions(store: Store, filter: PromotionFilter): Promise<Promotion[]> {
  const query = {
    ...(filter.environment ? { environment: filter.environment } : {}),
    ...(filter.state ? { states: [filter.state] } : {}),
  };
  if (filter.person === undefined) return store.listPromotions({ ...query, limit: filter.limit });
  const found: Promotion[] = [];
  let before: string | undefined;
  for (let page = 0; page < MOST_PAGES && found.length < filter.limit; page += 1) {
    const batch = await store.listPromotions({ ...query, limit: PAGE, ...(before ? { before } : {}) });
    found.push(...batch.filter((p) => tookPart(p, filter.person ?? '')));
    if (batch.length < PAGE) break;
    before = batch.at(-1)?.id;
  }
  return found.slice(0, filter.limit);
}
