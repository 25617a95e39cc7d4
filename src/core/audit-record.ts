/**
 * One audit event as stored: who did what, when, with the state before and
 * after, chained to the previous record of its stream by SHA-256 — or, with
 * an audit key, by HMAC-SHA-256, so that rewriting the chain needs the key.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type AuditType =
  | 'promotion.requested'
  | 'promotion.refused'
  | 'promotion.overridden'
  | 'promotion.planned'
  | 'promotion.plan_failed'
  | 'promotion.replanning'
  | 'promotion.replanned'
  | 'approval.granted'
  | 'approval.refused'
  | 'approval.duplicate'
  | 'approval.reminded'
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
  | 'environment.overridden'
  | 'environment.drifted'
  | 'environment.drift_cleared'
  | 'freeze.refused'
  | 'access.refused'
  | 'environment.lock_recovered'
  | 'journal.repaired'
  | 'promotion.archived';

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
  /** Set when the hash is an HMAC under the audit key (BATON_AUDIT_KEY). */
  mac?: 'hmac-sha256';
  hash: string;
}

/** What a promotion record says of its audit stream: its last hash and how many records it has. */
export interface AuditAnchor {
  head: string;
  count: number;
}

/** The previous hash of a stream's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Stable JSON: keys sorted, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
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

/** The record's hash: SHA-256 of its canonical JSON, or HMAC-SHA-256 under `key` for a keyed record. */
export function hashAuditRecord(record: Omit<AuditRecord, 'hash'>, key?: Buffer): string {
  const json = canonicalJson(record);
  return key ? createHmac('sha256', key).update(json).digest('hex') : createHash('sha256').update(json).digest('hex');
}

export function sealAuditRecord(
  stream: string,
  event: AuditEventInput,
  previous: { hash: string; seq: number } | undefined,
  at: string,
  key?: Buffer,
): AuditRecord {
  const unsealed: Omit<AuditRecord, 'hash'> = {
    ...event,
    stream,
    seq: previous ? previous.seq + 1 : 1,
    at,
    previousHash: previous ? previous.hash : GENESIS_HASH,
    ...(key ? { mac: 'hmac-sha256' as const } : {}),
  };
  return { ...unsealed, hash: hashAuditRecord(unsealed, key) };
}

export interface ChainCheck {
  intact: boolean;
  /** The first record whose hash or link does not hold, when broken. */
  brokenAt?: number;
  problem?: string;
  /** Keyed records whose HMAC could not be checked, for want of the key: their links were. */
  keyedUnchecked?: number;
}

export interface ChainExpectations {
  /** What the promotion record says of its stream: a missing tail or a rewritten chain shows against it. */
  anchor?: AuditAnchor;
  /** The audit key: with it, every record must be sealed with it; without it, keyed records' links are checked and their seals are not. */
  key?: Buffer;
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function verifyAuditChain(records: readonly AuditRecord[], expect: ChainExpectations = {}): ChainCheck {
  let previousHash = GENESIS_HASH;
  let keyedUnchecked = 0;
  for (const [index, record] of records.entries()) {
    const { hash, ...unsealed } = record;
    if (record.seq !== index + 1) {
      return {
        intact: false,
        brokenAt: record.seq,
        problem: `record ${index + 1} is numbered ${record.seq}: a record was removed or reordered`,
      };
    }
    if (record.previousHash !== previousHash) {
      return {
        intact: false,
        brokenAt: record.seq,
        problem: `record ${record.seq} does not link to the record before it`,
      };
    }
    if (record.mac === undefined && expect.key) {
      return {
        intact: false,
        brokenAt: record.seq,
        problem: `record ${record.seq} is not sealed with the audit key: it was written before BATON_AUDIT_KEY was set, or rewritten by someone without the key`,
      };
    }
    if (record.mac !== undefined && !expect.key) keyedUnchecked += 1;
    else if (!sameHash(hashAuditRecord(unsealed, record.mac ? expect.key : undefined), hash)) {
      return { intact: false, brokenAt: record.seq, problem: `record ${record.seq} was changed after it was written` };
    }
    previousHash = hash;
  }
  const anchored = anchorProblem(records, expect.anchor);
  if (anchored) return anchored;
  return keyedUnchecked > 0 ? { intact: true, keyedUnchecked } : { intact: true };
}

function anchorProblem(records: readonly AuditRecord[], anchor: AuditAnchor | undefined): ChainCheck | undefined {
  if (!anchor) return undefined;
  const last = records.at(-1);
  if (records.length !== anchor.count) {
    return {
      intact: false,
      brokenAt: Math.min(records.length, anchor.count) + 1,
      problem: `the log ends at record ${records.length}, the promotion says ${anchor.count}: records were ${records.length < anchor.count ? 'cut from its end' : 'added after it'}`,
    };
  }
  if ((last?.hash ?? GENESIS_HASH) !== anchor.head) {
    return {
      intact: false,
      brokenAt: last?.seq ?? 1,
      problem: `the last record is not the one the promotion names: the chain was rewritten`,
    };
  }
  return undefined;
}
