import { describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain, type AuditRecord } from '../../src/core/audit-record.ts';

function chain(count: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const previous = records.at(-1);
    records.push(
      sealAuditRecord(
        'promotion-1',
        { type: 'approval.granted', actor: `user${i}`, summary: `user${i} approved`, data: { n: i } },
        previous ? { hash: previous.hash, seq: previous.seq } : undefined,
        `2026-11-22T10:00:0${i}.000Z`,
      ),
    );
  }
  return records;
}

describe('the audit hash chain', () => {
  it('holds for records as written, each linked to the one before', () => {
    const records = chain(5);
    expect(verifyAuditChain(records)).toEqual({ intact: true });
    expect(records[1]?.previousHash).toBe(records[0]?.hash);
    expect(records[0]?.previousHash).toBe('0'.repeat(64));
  });

  it('detects a changed record', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, actor: 'mallory' };
    expect(verifyAuditChain(records)).toEqual({ intact: false, brokenAt: 3, problem: 'record 3 was changed after it was written' });
  });

  it('detects a change in nested data', () => {
    const records = chain(3);
    records[1] = { ...records[1]!, data: { n: 99 } };
    expect(verifyAuditChain(records).brokenAt).toBe(2);
  });

  it('detects a removed record and a record re-sealed to hide a change', () => {
    const records = chain(5);
    expect(verifyAuditChain([...records.slice(0, 2), ...records.slice(3)])).toMatchObject({ intact: false, brokenAt: 4 });
    const forged = sealAuditRecord('promotion-1', { type: 'approval.granted', actor: 'mallory', summary: 'x' }, { hash: records[1]!.hash, seq: 2 }, 't');
    expect(verifyAuditChain([...records.slice(0, 2), forged, ...records.slice(3)])).toEqual({
      intact: false,
      brokenAt: 4,
      problem: 'record 4 does not link to the record before it',
    });
  });
});
