/**
 * The one gate every change to a promotion goes through: the move is checked
 * against the state machine, and the new value, the audit records that say
 * what happened, the ledger entries and verified marks it makes and the
 * thread's unposted mark are written in one atomic step (one Lua script on
 * Redis, one journal line on the embedded engine). Nothing else in the core
 * writes a promotion.
 */
import type { AuditRecord } from './audit-record.ts';
import { promotionStream, type PromotionEvent } from './audit.ts';
import type { LedgerEntry, Promotion } from './model.ts';
import type { CoreRuntime } from './runtime.ts';
import { assertMove } from './state-machine.ts';

/** What one move of a promotion writes. */
export interface Move {
  /** The promotion's next value; left out when only records are written. */
  promotion?: Promotion;
  events: PromotionEvent[];
  /** What the promotion's environment runs afterwards, per component (null: nothing). */
  ledger?: { component: string; entry: LedgerEntry | null }[];
  /** Versions that succeeded in the promotion's environment. */
  verified?: Record<string, string>;
}

export interface Moved {
  promotion: Promotion;
  records: AuditRecord[];
}

/**
 * Changes a promotion through the gate. `change` may run more than once (when
 * another writer got there first) and must not have side effects; it returns
 * undefined to write nothing. A move the state machine forbids throws and
 * writes nothing.
 */
export async function transition(
  runtime: CoreRuntime,
  promotionId: string,
  change: (current: Promotion) => Move | undefined,
): Promise<Moved> {
  const stream = promotionStream(promotionId);
  const at = runtime.clock.now().toISOString();
  const result = await runtime.store.transitionPromotion(promotionId, (current) => {
    const move = change(current);
    if (!move) return undefined;
    if (move.promotion && move.promotion.state !== current.state)
      assertMove(current.state, move.promotion.state, current.id);
    return {
      ...(move.promotion ? { promotion: move.promotion } : {}),
      records: move.events.map((event) => runtime.audit.build(stream, { ...event, promotionId }, at)),
      ...(move.ledger?.length ? { ledger: move.ledger } : {}),
      ...(move.verified ? { verified: { versions: move.verified, at } } : {}),
    };
  });
  await runtime.audit.announce(result.records);
  return result;
}

/** Creates a promotion with the records of its request, in one atomic step. */
export async function createPromotion(
  runtime: CoreRuntime,
  promotion: Promotion,
  events: PromotionEvent[],
): Promise<Moved> {
  const stream = promotionStream(promotion.id);
  const at = runtime.clock.now().toISOString();
  const records = await runtime.store.createPromotion(
    promotion,
    events.map((event) => runtime.audit.build(stream, { ...event, promotionId: promotion.id }, at)),
  );
  await runtime.audit.announce(records);
  return { promotion, records };
}
