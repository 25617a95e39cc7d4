/**
 * Appends audit events to hash-chained streams (one per promotion, one per
 * environment) and tells subscribers — the chat thread is rendered from them.
 */
import type { Store } from '../engine/contracts.ts';
import { sealAuditRecord, type AuditEventInput, type AuditRecord } from './audit-record.ts';
import type { Clock, Logger } from './ports.ts';

export type AuditListener = (record: AuditRecord) => Promise<void> | void;

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
    for (const listener of this.listeners) {
      try {
        await listener(record);
      } catch (error) {
        // A chat outage must not undo or block the change the event records.
        this.logger.error({ err: error, stream, seq: record.seq }, 'audit listener failed');
      }
    }
    return record;
  }

  forPromotion(promotionId: string, event: Omit<AuditEventInput, 'promotionId'>): Promise<AuditRecord> {
    return this.record(promotionStream(promotionId), { ...event, promotionId });
  }

  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
