/**
 * Appends audit events to hash-chained streams (one per promotion, one per
 * environment) and tells subscribers — the chat thread is rendered from them.
 */
import type { AuditBuild, Store } from '../engine/contracts.ts';
import { sealAuditRecord, type AuditEventInput, type AuditRecord } from './audit-record.ts';
import type { Clock, Logger } from './ports.ts';

export type AuditListener = (record: AuditRecord) => Promise<void> | void;

/** An event of a promotion's own stream: the promotion is known from the stream. */
export type PromotionEvent = Omit<AuditEventInput, 'promotionId'>;

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

  /** A record to be built on its stream's head, for the transition gate. */
  build(stream: string, event: AuditEventInput, at: string): AuditBuild {
    return (previous) => sealAuditRecord(stream, event, previous, at);
  }

  /** Tells subscribers (the outbox) of records written. */
  async announce(records: readonly AuditRecord[]): Promise<void> {
    for (const record of records) await this.tell(record);
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
