/**
 * One audit event as stored: who did what, when, with the state before and
 * after, chained to the previous record of its stream by SHA-256.
 */
import { createHash } from 'node:crypto';

export type AuditType =
  | 'promotion.requested'
  | 'promotion.refused'
  | 'promotion.planned'
  | 'promotion.plan_failed'
  | 'promotion.replanning'
  | 'promotion.replanned'
  | 'approval.granted'
  | 'approval.refused'
  | 'approval.duplicate'
  | 'promotion.approved'
  | 'promotion.rejected'
  | 'promotion.waiting'
  | 'promotion.started'
  | 'step.started'
  | 'step.retrying'
  | 'step.succeeded'
  | 'step.recovered'
  | 'step.failed'
  | 'step.skipped'
  | 'promotion.succeeded'
  | 'promotion.failed'
  | 'promotion.interrupted'
  | 'rollback.requested'
  | 'rollback.refused'
  | 'step.rolled_back'
  | 'step.rollback_failed'
  | 'step.rollback_skipped'
  | 'promotion.rolled_back'
  | 'environment.frozen'
  | 'environment.unfrozen'
  | 'environment.lock_recovered';

export interface AuditEventInput {
  type: AuditType;
  actor: string;
  promotionId?: string;
  stepId?: string;
  /** A sentence a person reads in the thread and the evidence bundle. */
  summary: string;
  before?: unknown;
  after?: unknown;
  data?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEventInput {
  stream: string;
  seq: number;
  at: string;
  previousHash: string;
  hash: string;
}

/** The previous hash of a stream's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Stable JSON: keys sorted, so the same record always hashes the same. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  // Sorted by UTF-16 code units, as a plain sort does; one pass, since every record is sealed on the way to the store.
  let json = '';
  for (const key of Object.keys(record).sort()) {
    const inner = record[key];
    if (inner === undefined) continue;
    json += `${json ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `{${json}}`;
}

export function hashAuditRecord(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

export function sealAuditRecord(
  stream: string,
  event: AuditEventInput,
  previous: { hash: string; seq: number } | undefined,
  at: string,
): AuditRecord {
  const unsealed: Omit<AuditRecord, 'hash'> = {
    ...event,
    stream,
    seq: previous ? previous.seq + 1 : 1,
    at,
    previousHash: previous ? previous.hash : GENESIS_HASH,
  };
  return { ...unsealed, hash: hashAuditRecord(unsealed) };
}

export interface ChainCheck {
  intact: boolean;
  /** The first record whose hash or link does not hold, when broken. */
  brokenAt?: number;
  problem?: string;
}

export function verifyAuditChain(records: readonly AuditRecord[]): ChainCheck {
  let previousHash = GENESIS_HASH;
  for (const [index, record] of records.entries()) {
    const { hash, ...unsealed } = record;
    if (record.seq !== index + 1) {
      return { intact: false, brokenAt: record.seq, problem: `record ${index + 1} is numbered ${record.seq}: a record was removed or reordered` };
    }
    if (record.previousHash !== previousHash) {
      return { intact: false, brokenAt: record.seq, problem: `record ${record.seq} does not link to the record before it` };
    }
    if (hashAuditRecord(unsealed) !== hash) {
      return { intact: false, brokenAt: record.seq, problem: `record ${record.seq} was changed after it was written` };
    }
    previousHash = hash;
  }
  return { intact: true };
}
