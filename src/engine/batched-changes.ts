/**
 * What needs no server in the writes of the engines that batch (Redis,
 * PostgreSQL): each change of a promotion is applied to what the one before
 * left, its records chained on, and its ledger entries and verified marks
 * gathered for the same write; records appended to any stream are chained
 * one after another, each caller told of its own.
 */
import type { AuditRecord } from '../core/audit-record.ts';
import type { LedgerEntry, Promotion } from '../core/model.ts';
import type { Outcome, Pending } from '../keyed-batches.ts';
import { anchored } from './anchor.ts';
import type { AuditBuild, PromotionTransition } from './contract.ts';
import { deepFreeze } from './deep-freeze.ts';

export type TransitionChange = (current: Promotion) => PromotionTransition | undefined;

export interface Transitioned {
  promotion: Promotion;
  records: AuditRecord[];
}

export interface VerifiedMark {
  component: string;
  version: string;
  at: string;
}

/** What a batch of changes writes: the last promotion, ledger entries by component, the first verified mark of each version. */
export interface AppliedTransitions {
  outcomes: Outcome<Transitioned>[];
  written?: Promotion;
  /** The last entry each component was given; null clears it. */
  ledger: Map<string, LedgerEntry | null>;
  verified: VerifiedMark[];
}

/** Records built on the head of a promotion's stream; when one build throws, none of them is added. */
export interface RecordChaining {
  add(builds: readonly AuditBuild[]): AuditRecord[];
}

/**
 * Applies the changes in order, each to what the one before left, chaining
 * the records they ask for. Every version is frozen, so no caller's result is
 * changed by a later change. A change that throws, or whose record does, is
 * left out with its ledger entries; its caller gets the error.
 */
export function applyTransitions(
  base: Promotion,
  chain: RecordChaining,
  batch: readonly Pending<TransitionChange, Transitioned>[],
): AppliedTransitions {
  let current = base;
  let written: Promotion | undefined;
  const ledger = new Map<string, LedgerEntry | null>();
  const verified = new Map<string, VerifiedMark>();
  const outcomes = batch.map((entry): Outcome<Transitioned> => {
    try {
      const transition = entry.input(current);
      if (!transition) return { ok: true, value: { promotion: current, records: [] } };
      const records = chain.add(transition.records);
      const changed = transition.promotion !== undefined || records.length > 0;
      const next = changed ? deepFreeze(anchored(transition.promotion ?? current, records)) : current;
      if (changed) {
        current = next;
        written = next;
      }
      for (const write of transition.ledger ?? []) ledger.set(write.component, write.entry);
      for (const [component, version] of Object.entries(transition.verified?.versions ?? {})) {
        const key = JSON.stringify([component, version]);
        if (!verified.has(key)) verified.set(key, { component, version, at: transition.verified?.at ?? '' });
      }
      return { ok: true, value: { promotion: next, records } };
    } catch (error) {
      return { ok: false, error };
    }
  });
  return { outcomes, written, ledger, verified: [...verified.values()] };
}

/** Chains each build of a batch appended to `stream`; a build that throws fails its own caller only. */
export function chainRecords(
  stream: string,
  chain: RecordChaining,
  batch: readonly Pending<AuditBuild, AuditRecord>[],
): Outcome<AuditRecord>[] {
  return batch.map((entry): Outcome<AuditRecord> => {
    try {
      const [record] = chain.add([entry.input]);
      return record
        ? { ok: true, value: record }
        : { ok: false, error: new Error(`No audit record was built for ${stream}.`) };
    } catch (error) {
      return { ok: false, error };
    }
  });
}
