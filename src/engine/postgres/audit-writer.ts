/** Audit appends on PostgreSQL: the records asked for together on one stream go in one transaction, one link after the other. */
import type pg from 'pg';
import type { AuditRecord } from '../../core/audit-record.ts';
import { KeyedBatches, settle } from '../../keyed-batches.ts';
import { chainRecords } from '../batched-changes.ts';
import type { AuditBuild } from '../contract.ts';
import { lockAuditHead, RecordChain, writeAuditRecords } from './audit-rows.ts';
import { inTransaction } from './transactions.ts';

export class AuditWriter {
  private readonly batches = new KeyedBatches<AuditBuild, AuditRecord>(async (stream, batch) => {
    const outcomes = await inTransaction(this.pool, async (client) => {
      const chain = new RecordChain(await lockAuditHead(client, stream));
      const built = chainRecords(stream, chain, batch);
      await writeAuditRecords(client, stream, chain.records);
      return built;
    });
    settle(batch, outcomes);
  });

  constructor(private readonly pool: pg.Pool) {}

  /** Resolves once every write asked for has ended. */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  append(stream: string, build: AuditBuild): Promise<AuditRecord> {
    return this.batches.push(stream, build);
  }
}
