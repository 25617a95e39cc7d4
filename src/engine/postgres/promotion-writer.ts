/**
 * The transition gate's write on PostgreSQL: one transaction that locks the
 * promotion's row and its audit stream's head, applies the changes asked for,
 * and writes the promotion, its records, the unposted mark, and the ledger
 * entries and verified marks they make — all committed together or not at all.
 * Changes of one promotion asked for while a write is in flight go into the
 * next transaction together, in order (one lock wait instead of many).
 */
import type pg from 'pg';
import { promotionStream } from '../../core/audit.ts';
import type { LedgerEntry, Promotion } from '../../core/model.ts';
import { KeyedBatches, settle, type Pending } from '../../keyed-batches.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { applyTransitions, type TransitionChange, type Transitioned, type VerifiedMark } from '../batched-changes.ts';
import { lockAuditHead, RecordChain, writeAuditRecords } from './audit-rows.ts';
import { isPromotionId, promotionRow } from './promotion-rows.ts';
import { inTransaction } from './transactions.ts';

async function writeLedger(
  client: pg.PoolClient,
  environment: string,
  ledger: Map<string, LedgerEntry | null>,
): Promise<void> {
  // Sorted, so two transactions of one environment lock its rows in the same order.
  const writes = [...ledger].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const set = writes.filter((write): write is [string, LedgerEntry] => write[1] !== null);
  const cleared = writes.filter(([, entry]) => entry === null).map(([component]) => component);
  if (set.length > 0) {
    await client.query(
      'INSERT INTO baton.ledger (environment, component, entry) SELECT $1, * FROM unnest($2::text[], $3::json[]) ON CONFLICT (environment, component) DO UPDATE SET entry = EXCLUDED.entry',
      [environment, set.map(([component]) => component), set.map(([, entry]) => JSON.stringify(entry))],
    );
  }
  if (cleared.length > 0)
    await client.query('DELETE FROM baton.ledger WHERE environment = $1 AND component = ANY($2::text[])', [
      environment,
      cleared,
    ]);
}

async function writeVerified(client: pg.PoolClient, environment: string, marks: VerifiedMark[]): Promise<void> {
  if (marks.length === 0) return;
  await client.query(
    'INSERT INTO baton.verified_versions (environment, component, version, at) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING',
    [environment, marks.map((m) => m.component), marks.map((m) => m.version), marks.map((m) => m.at)],
  );
}

export class PromotionWriter {
  private readonly batches = new KeyedBatches<TransitionChange, Transitioned>((id, batch) => this.write(id, batch));

  constructor(private readonly pool: pg.Pool) {}

  /** Resolves once every write asked for has ended. */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  transition(id: string, change: TransitionChange): Promise<Transitioned> {
    if (!isPromotionId(id)) return Promise.reject(new Error(`Promotion #${id} does not exist.`));
    return this.batches.push(id, change);
  }

  private async write(id: string, batch: Pending<TransitionChange, Transitioned>[]): Promise<void> {
    const outcomes = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ document: Promotion }>(
        'SELECT document FROM baton.promotions WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = rows[0];
      if (!row) return undefined;
      const base = deepFreeze(row.document);
      const stream = promotionStream(id);
      const chain = new RecordChain(await lockAuditHead(client, stream));
      const applied = applyTransitions(base, chain, batch);
      if (applied.written) {
        await client.query(
          'UPDATE baton.promotions SET environment = $2, state = $3, finished = $4, requested_by = $5, requested_at = $6, finished_at = $7, document = $8 WHERE id = $1',
          promotionRow(applied.written),
        );
      }
      await writeAuditRecords(client, stream, chain.records);
      await writeLedger(client, base.environment, applied.ledger);
      await writeVerified(client, base.environment, applied.verified);
      return applied.outcomes;
    });
    if (!outcomes) for (const entry of batch) entry.reject(new Error(`Promotion #${id} does not exist.`));
    else settle(batch, outcomes);
  }
}
