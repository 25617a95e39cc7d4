/**
 * Audit appends on Redis: records are chained to the head this process last
 * saw (none for a stream it has not written), so an append needs no read
 * first. When the head has moved the script answers with the current one and
 * the records are built again on it. Records asked for together are appended
 * in one script call, still one link after the other.
 */
import type { Redis } from 'ioredis';
import type { AuditRecord } from '../../core/audit-record.ts';
import { KeyedBatches, settle, type Pending } from '../../keyed-batches.ts';
import { chainRecords } from '../batched-changes.ts';
import type { AuditBuild, AuditHead } from '../contract.ts';
import { deepFreeze } from '../deep-freeze.ts';
import type { RecentValues } from './recent-values.ts';
import { APPEND_AUDIT } from './scripts.ts';

const MAX_APPEND_ATTEMPTS = 1000;

/** The head is stored as "<seq> <hash>", "" for an empty stream. */
function parseHead(head: string): AuditHead | undefined {
  if (!head) return undefined;
  const [seq, hash] = head.split(' ');
  return { seq: Number(seq), hash: hash ?? '' };
}

/**
 * Records built one after the other on a stored head, with what the append
 * script takes: each record's sequence number and JSON, and the new head.
 */
export class AuditChain {
  private previous: AuditHead | undefined;
  readonly entries: string[] = [];

  constructor(head: string) {
    this.previous = parseHead(head);
  }

  /** Builds records on the chain; when one throws, none of them is added. */
  add(builds: readonly AuditBuild[]): AuditRecord[] {
    let previous = this.previous;
    const entries: string[] = [];
    const records = builds.map((build) => {
      const record = deepFreeze(build(previous));
      entries.push(String(record.seq), JSON.stringify(record));
      previous = { seq: record.seq, hash: record.hash };
      return record;
    });
    this.previous = previous;
    this.entries.push(...entries);
    return records;
  }

  get nextHead(): string {
    return this.previous ? `${this.previous.seq} ${this.previous.hash}` : '';
  }
}

export class AuditWriter {
  private readonly batches = new KeyedBatches<AuditBuild, AuditRecord>((stream, batch) => this.write(stream, batch));

  /** `heads`: the last head seen of each stream, shared with the promotion writer, which appends to promotions' streams. */
  constructor(
    private readonly redis: Redis,
    private readonly keys: { audit(stream: string): string; auditHead(stream: string): string; unposted: string },
    private readonly heads: RecentValues<string>,
  ) {}

  append(stream: string, build: AuditBuild): Promise<AuditRecord> {
    return this.batches.push(stream, build);
  }

  private async write(stream: string, batch: Pending<AuditBuild, AuditRecord>[]): Promise<void> {
    let head = this.heads.get(stream) ?? '';
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      const chain = new AuditChain(head);
      const outcomes = chainRecords(stream, chain, batch);
      if (chain.entries.length === 0) return settle(batch, outcomes);
      const reply = await APPEND_AUDIT.run(
        this.redis,
        [this.keys.audit(stream), this.keys.auditHead(stream), this.keys.unposted],
        [stream, head, chain.nextHead, ...chain.entries],
      );
      if (reply === 1) {
        this.heads.set(stream, chain.nextHead);
        return settle(batch, outcomes);
      }
      head = String(reply);
      this.heads.set(stream, head);
    }
    for (const entry of batch)
      entry.reject(new Error(`Audit stream ${stream} kept moving; giving up after ${MAX_APPEND_ATTEMPTS} attempts.`));
  }
}
