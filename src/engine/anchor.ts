/** Both engines write a promotion's audit anchor the same way: with the records, in the same write. */
import type { AuditRecord } from '../core/audit-record.ts';
import type { Promotion } from '../core/model.ts';

/** The promotion as it must be written with `records` appended to its stream: its anchor names the last of them. */
export function anchored(promotion: Promotion, records: readonly AuditRecord[]): Promotion {
  const last = records.at(-1);
  return last ? { ...promotion, audit: { head: last.hash, count: last.seq } } : promotion;
}
