/**
 * Audit streams in PostgreSQL. A writer locks the stream's head row for the
 * rest of its transaction, so records are built on the one true head and the
 * chain never forks; the head row of a new stream is made first (seq 0), so
 * two first writers queue on it too. Records written also note their stream
 * as unposted, in the same transaction.
 */
import type pg from 'pg';
import type { AuditRecord } from '../../core/audit-record.ts';
import type { AuditBuild, AuditHead } from '../contract.ts';
import { deepFreeze } from '../deep-freeze.ts';

/** Locks a stream's head until the transaction ends; undefined for a stream with no records yet. */
export async function lockAuditHead(client: pg.PoolClient, stream: string): Promise<AuditHead | undefined> {
  await client.query(
    'INSERT INTO baton.audit_heads (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING',
    [stream, ''],
  );
  const { rows } = await client.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM baton.audit_heads WHERE stream = $1 FOR UPDATE',
    [stream],
  );
  const head = rows[0];
  return head && head.seq > 0 ? { seq: head.seq, hash: head.hash } : undefined;
}

/** Records built one after the other on a head, kept in memory until written. */
export class RecordChain {
  readonly records: AuditRecord[] = [];

  constructor(private previous: AuditHead | undefined) {}

  /** Builds records on the chain; when one throws, none of them is added. */
  add(builds: readonly AuditBuild[]): AuditRecord[] {
    let previous = this.previous;
    const built = builds.map((build) => {
      const record = deepFreeze(build(previous));
      previous = { seq: record.seq, hash: record.hash };
      return record;
    });
    this.previous = previous;
    this.records.push(...built);
    return built;
  }
}

/** Writes records whose head the transaction has locked, moves the head and notes the stream as unposted. */
export async function writeAuditRecords(
  client: pg.PoolClient,
  stream: string,
  records: readonly AuditRecord[],
): Promise<void> {
  const last = records.at(-1);
  if (!last) return;
  await client.query(
    'INSERT INTO baton.audit_records (stream, seq, record) SELECT $1, * FROM unnest($2::integer[], $3::json[])',
    [stream, records.map((record) => record.seq), records.map((record) => JSON.stringify(record))],
  );
  await client.query('UPDATE baton.audit_heads SET seq = $2, hash = $3 WHERE stream = $1', [
    stream,
    last.seq,
    last.hash,
  ]);
  await client.query('INSERT INTO baton.unposted_streams (stream) VALUES ($1) ON CONFLICT (stream) DO NOTHING', [
    stream,
  ]);
}
