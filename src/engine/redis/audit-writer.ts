/**
 * Audit appends on Redis: records are chained to the head this process last
 * saw (none for a stream it has not written), so an append needs no read
 * first. When the head has moved the script answers with the current one and
 * the records are built again on it. Records asked for together are appended
 * in one script call, still one link after the other.
 */
import type { Redis } from 'ioredis';
import type { AuditRecord } from '../../core/audit-record.ts';
import { KeyedBatches, settle, type Outcome, type Pending } from '../../keyed-batches.ts';
import { deepFreeze } from '../frozen.ts';
import { RecentValues } from './recent-values.ts';
import { APPEND_AUDIT } from './scripts.ts';

export type AuditBuild = (previous: { hash: string; seq: number } | undefined) => AuditRecord;

const MAX_APPEND_ATTEMPTS = 1000;
const REMEMBERED_STREAMS = 1000;

/** The head is stored as "<seq> <hash>", "" for an empty stream. */
function parseHead(head: string): { seq: number; hash: string } | undefined {
  if (!head) return undefined;
  const [seq, hash] = head.split(' ');
  return { seq: Number(seq), hash: hash ?? '' };
}

export class AuditWriter {
  private readonly heads = new RecentValues<string>(REMEMBERED_STREAMS);
  private readonly batches = new KeyedBatches<AuditBuild, AuditRecord>((stream, batch) => this.write(stream, batch));

  constructor(
    private readonly redis: Redis,
    private readonly streamKey: (stream: string) => string,
    private readonly headKey: (stream: string) => string,
  ) {}

  append(stream: string, build: AuditBuild): Promise<AuditRecord> {
    return this.batches.push(stream, build);
  }

  private async write(stream: string, batch: Pending<AuditBuild, AuditRecord>[]): Promise<void> {
    let head = this.heads.get(stream) ?? '';
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      let previous = parseHead(head);
      const entries: string[] = [];
      const outcomes = batch.map((entry): Outcome<AuditRecord> => {
        try {
          const record = deepFreeze(entry.input(previous));
          entries.push(String(record.seq), JSON.stringify(record));
          previous = { seq: record.seq, hash: record.hash };
          return { ok: true, value: record };
        } catch (error) {
          return { ok: false, error };
        }
      });
      if (!previous || entries.length === 0) return settle(batch, outcomes);
      const next = `${previous.seq} ${previous.hash}`;
      const reply = await APPEND_AUDIT.run(this.redis, [this.streamKey(stream), this.headKey(stream)], [head, next, ...entries]);
      if (reply === 1) {
        this.heads.set(stream, next);
        return settle(batch, outcomes);
      }
      head = String(reply);
      this.heads.set(stream, head);
    }
    for (const entry of batch) entry.reject(new Error(`Audit stream ${stream} kept moving; giving up after ${MAX_APPEND_ATTEMPTS} attempts.`));
  }
}
