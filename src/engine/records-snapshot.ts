/** Everything a store keeps, as plain values: what `baton migrate-store` reads from one engine and writes into another. */
import type { AuditRecord } from '../core/audit-record.ts';
import type { ArchivedPromotion, Freeze, LedgerEntry, Promotion, Release, MessageRef } from '../core/model.ts';

export interface RecordsSnapshot {
  /** The last promotion id handed out. */
  counter: number;
  promotions: Promotion[];
  /** Every audit stream's records in order: promotions', environments' and Baton's own. */
  streams: Map<string, AuditRecord[]>;
  cursors: Map<string, number>;
  /** Promotion id → its chat thread. */
  threads: Map<string, MessageRef>;
  ledger: { environment: string; component: string; entry: LedgerEntry }[];
  verified: { environment: string; component: string; version: string; at: string }[];
  locks: { environment: string; holder: string }[];
  freezes: Freeze[];
  releases: Release[];
  /** What is left of promotions whose records went into evidence bundles. */
  archived: ArchivedPromotion[];
}
