import { describe, expect, it } from 'vitest';
import { sealAuditRecord, verifyAuditChain, type AuditAnchor, type AuditRecord } from '../../src/core/audit-record.ts';

function chain(count: number, key?: Buffer): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const previous = records.at(-1);
    records.push(
      sealAuditRecord(
        'promotion-1',
        { type: 'approval.granted', actor: `user${i}`, summary: `user${i} approved`, data: { n: i } },
        previous ? { hash: previous.hash, seq: previous.seq } : undefined,
        `2026-11-22T10:00:0${i}.000Z`,
        key,
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
    expect(verifyAuditChain(records)).toEqual({
      intact: false,
      brokenAt: 3,
      problem: 'record 3 was changed after it was written',
    });
  });

  it('detects a change in nested data', () => {
    const records = chain(3);
    records[1] = { ...records[1]!, data: { n: 99 } };
    expect(verifyAuditChain(records).brokenAt).toBe(2);
  });

  it('detects a removed record and a record re-sealed to hide a change', () => {
    const records = chain(5);
    expect(verifyAuditChain([...records.slice(0, 2), ...records.slice(3)])).toMatchObject({
      intact: false,
      brokenAt: 4,
    });
    const forged = sealAuditRecord(
      'promotion-1',
      { type: 'approval.granted', actor: 'mallory', summary: 'x' },
      { hash: records[1]!.hash, seq: 2 },
      't',
    );
    expect(verifyAuditChain([...records.slice(0, 2), forged, ...records.slice(3)])).toEqual({
      intact: false,
      brokenAt: 4,
      problem: 'record 4 does not link to the record before it',
    });
  });
});

const KEY = Buffer.from('a-chain-key-of-thirty-two-bytes-or-more!', 'utf8');

function anchorOf(records: readonly AuditRecord[]): AuditAnchor {
  const last = records.at(-1)!;
  return { head: last.hash, count: last.seq };
}

describe('the audit hash chain against its anchor and key', () => {
  it("holds for keyed records checked with the key and the promotion's anchor", () => {
    const records = chain(5, KEY);
    expect(records.every((r) => r.mac === 'hmac-sha256')).toBe(true);
    expect(verifyAuditChain(records, { anchor: anchorOf(records), key: KEY })).toEqual({ intact: true });
  });

  it('detects records cut from the end, which the links alone cannot show', () => {
    const records = chain(5, KEY);
    const cut = records.slice(0, 3);
    expect(verifyAuditChain(cut, { key: KEY })).toEqual({ intact: true });
    expect(verifyAuditChain(cut, { anchor: anchorOf(records), key: KEY })).toEqual({
      intact: false,
      brokenAt: 4,
      problem: 'the log ends at record 3, the promotion says 5: records were cut from its end',
    });
  });

  it('detects a count that does not match, either way', () => {
    const records = chain(5, KEY);
    expect(verifyAuditChain(records, { anchor: { head: records[4]!.hash, count: 6 }, key: KEY })).toEqual({
      intact: false,
      brokenAt: 6,
      problem: 'the log ends at record 5, the promotion says 6: records were cut from its end',
    });
    expect(verifyAuditChain(records, { anchor: anchorOf(records.slice(0, 4)), key: KEY })).toEqual({
      intact: false,
      brokenAt: 5,
      problem: 'the log ends at record 5, the promotion says 4: records were added after it',
    });
  });

  it('detects a last record that is not the one the promotion names', () => {
    const records = chain(5);
    // Re-sealed from record 3 on with plain SHA-256: every link holds, the anchor does not.
    const forged = [...records.slice(0, 2)];
    for (const original of records.slice(2)) {
      const previous = forged.at(-1)!;
      forged.push(
        sealAuditRecord(
          'promotion-1',
          { type: original.type, actor: 'mallory', summary: original.summary },
          previous,
          original.at,
        ),
      );
    }
    expect(verifyAuditChain(forged)).toEqual({ intact: true });
    expect(verifyAuditChain(forged, { anchor: anchorOf(records) })).toEqual({
      intact: false,
      brokenAt: 5,
      problem: 'the last record is not the one the promotion names: the chain was rewritten',
    });
  });

  it("checks keyed records' links without the key, and says their seals went unchecked", () => {
    const records = chain(5, KEY);
    expect(verifyAuditChain(records, { anchor: anchorOf(records) })).toEqual({ intact: true, keyedUnchecked: 5 });
    expect(
      verifyAuditChain([...records.slice(0, 2), ...records.slice(3)], { anchor: anchorOf(records) }),
    ).toMatchObject({ intact: false, brokenAt: 4 });
  });

  it('refuses unkeyed records when the key is given, even with a matching anchor', () => {
    const records = chain(5);
    expect(verifyAuditChain(records, { anchor: anchorOf(records), key: KEY })).toEqual({
      intact: false,
      brokenAt: 1,
      problem:
        'record 1 is not sealed with the audit key: it was written before BATON_AUDIT_KEY was set, or rewritten by someone without the key',
    });
  });

  it('detects a keyed record changed, and a chain sealed with another key', () => {
    const records = chain(5, KEY);
    const changed = records.map((r) => (r.seq === 3 ? { ...r, summary: 'nothing happened' } : r));
    expect(verifyAuditChain(changed, { anchor: anchorOf(records), key: KEY })).toEqual({
      intact: false,
      brokenAt: 3,
      problem: 'record 3 was changed after it was written',
    });
    expect(
      verifyAuditChain(records, {
        anchor: anchorOf(records),
        key: Buffer.from('another-key-of-thirty-two-bytes-or-more', 'utf8'),
      }),
    ).toMatchObject({
      intact: false,
      brokenAt: 1,
    });
  });
});
