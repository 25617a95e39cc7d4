/**
 * Appends audit events to hash-chained streams (one per promotion, one per
 * environment) and tells subscribers — the chat thread is rendered from them.
 * Holds the audit trail's keys: the chain key seals records with an HMAC, the
 * signing key signs evidence bundles.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditBuild, Store } from '../engine/contract.ts';
import {
  sealAuditRecord,
  verifyAuditChain,
  type AuditAnchor,
  type AuditEventInput,
  type AuditRecord,
  type ChainCheck,
} from './audit-record.ts';
import type { Clock, Logger } from './capabilities.ts';

export interface AuditKeys {
  /** BATON_AUDIT_KEY: with it, each record's hash is an HMAC, so rewriting the chain needs the key. */
  chain?: Buffer;
  /** BATON_SIGNING_KEY: an Ed25519 private key that signs evidence bundles. */
  signing?: KeyObject;
}

export type AuditListener = (record: AuditRecord) => Promise<void> | void;

/** An event of a promotion's own stream: the promotion is known from the stream. */
export type PromotionEvent = Omit<AuditEventInput, 'promotionId'>;

export function promotionStream(promotionId: string): string {
  return `promotion-${promotionId}`;
}

/** Baton's own stream: what it did to its records (a journal repaired at start). */
export const BATON_STREAM = 'baton';

export function environmentStream(environment: string): string {
  return `environment-${environment}`;
}

export class AuditLog {
  private readonly listeners = new Set<AuditListener>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly keys: AuditKeys = {},
  ) {}

  /** Appends to a stream that is not a promotion's (an environment's): a promotion's records go through the transition gate. */
  async record(stream: string, event: AuditEventInput): Promise<AuditRecord> {
    const record = await this.store.appendAudit(stream, this.build(stream, event, this.clock.now().toISOString()));
    await this.tell(record);
    return record;
  }

  /** A record to be built on its stream's head, for the transition gate. */
  build(stream: string, event: AuditEventInput, at: string): AuditBuild {
    return (previous) => sealAuditRecord(stream, event, previous, at, this.keys.chain);
  }

  /** Whether a stream's records hold together, and match what its promotion says of them. */
  verify(records: readonly AuditRecord[], anchor?: AuditAnchor): ChainCheck {
    return verifyAuditChain(records, {
      ...(anchor ? { anchor } : {}),
      ...(this.keys.chain ? { key: this.keys.chain } : {}),
    });
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
