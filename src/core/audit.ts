/**
 * Appends audit events to hash-chained streams (one per promotion, one per
 * environment) and tells subscribers — the chat thread is rendered from them.
 */
import type { Store } from '../engine/contracts.ts';
import { sealAuditRecord, type AuditEventInput, type AuditRecord } from './audit-record.ts';
import type { Promotion } from './model.ts';
import type { Clock, Logger } from './ports.ts';

export type AuditListener = (record: AuditRecord) => Promise<void> | void;

/** An event of a promotion's own stream: the promotion is known from the stream. */
export type PromotionEvent = Omit<AuditEventInput, 'promotionId'>;

/** A promotion's next value (left out when it stays) and the events that say what happened. */
export interface PromotionChange {
  promotion?: Promotion;
  events: PromotionEvent[];
}

export function promotionStream(promotionId: string): string {
  return `promotion-${promotionId}`;
}

export function environmentStream(environment: string): string {
  return `environment-${environment}`;
}

export class AuditLog {
  private readonly listeners = new Set<AuditListener>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async record(stream: string, event: AuditEventInput): Promise<AuditRecord> {
    const at = this.clock.now().toISOString();
    const record = await this.store.appendAudit(stream, (previous) => sealAuditRecord(stream, event, previous, at));
    await this.tell(record);
    return record;
  }

  forPromotion(promotionId: string, event: PromotionEvent): Promise<AuditRecord> {
    return this.record(promotionStream(promotionId), { ...event, promotionId });
  }

  /**
   * Changes a promotion and records the events of the change in one atomic
   * write (see `Store.transitionPromotion`). `change` may run more than once
   * and must not have side effects; it returns undefined to change nothing.
   */
  async changePromotion(promotionId: string, change: (current: Promotion) => PromotionChange | undefined): Promise<{ promotion: Promotion; records: AuditRecord[] }> {
    const stream = promotionStream(promotionId);
    const at = this.clock.now().toISOString();
    const result = await this.store.transitionPromotion(promotionId, (current) => {
      const changed = change(current);
      if (!changed) return undefined;
      return {
        promotion: changed.promotion,
        records: changed.events.map((event) => (previous) => sealAuditRecord(stream, { ...event, promotionId }, previous, at)),
      };
    });
    for (const record of result.records) await this.tell(record);
    return result;
  }

  private async tell(record: AuditRecord): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(record);
      } catch (error) {
        // A chat outage must not undo or block the change the event records.
        this.logger.error({ err: error, stream: record.stream, seq: record.seq }, 'audit listener failed');
      }
    }
  }

  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
