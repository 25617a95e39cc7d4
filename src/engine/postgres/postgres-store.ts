/**
 * The PostgreSQL store: Baton's system of record when many bots and workers
 * share it, for years of history. A write that depends on what is there is one
 * transaction that locks what it reads (a promotion's row, an audit stream's
 * head); a write that decides between racing callers is one statement.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { BATON_STREAM, promotionStream } from '../../core/audit.ts';
import type { AuditRecord } from '../../core/audit-record.ts';
import {
  isTerminal,
  type ArchivedPromotion,
  type Freeze,
  type Ledger,
  type LedgerEntry,
  type Promotion,
  type Release,
  type MessageRef,
} from '../../core/model.ts';
import type { AuditBuild, PromotionQuery, Store } from '../contract.ts';
import { anchored } from '../anchor.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { lockAuditHead, RecordChain, writeAuditRecords } from './audit-rows.ts';
import { AuditWriter } from './audit-writer.ts';
import { deploymentWindow, type DeploymentWindow } from './deployment-window.ts';
import { isPromotionId, PROMOTION_COLUMNS, promotionRow } from './promotion-rows.ts';
import type { TransitionChange, Transitioned } from '../batched-changes.ts';
import { PromotionWriter } from './promotion-writer.ts';
import { inTransaction } from './transactions.ts';

// Lapsed claims are swept now and then rather than on every claim: one chat delivery is one claim.
const CLAIMS_PER_SWEEP = 500;
const FOREIGN_KEY_VIOLATION = '23503';

export class PostgresStore implements Store {
  private readonly promotions: PromotionWriter;
  private readonly audit: AuditWriter;
  private claimsSinceSweep = 0;

  /** `endDatabaseUse` ends this process's use of the database (see sole-user.ts) before the pool closes. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly endDatabaseUse: () => Promise<void> = async () => {},
  ) {
    this.promotions = new PromotionWriter(pool);
    this.audit = new AuditWriter(pool);
  }

  async nextPromotionId(): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>("SELECT nextval('baton.promotion_ids')::text AS id");
    return rows[0]?.id ?? '';
  }

  async createPromotion(promotion: Promotion, builds: AuditBuild[] = []): Promise<AuditRecord[]> {
    if (!isPromotionId(promotion.id))
      throw new Error(`Promotion ids are the store's own numbers ("1", "2", …); "${promotion.id}" is not one.`);
    const stream = promotionStream(promotion.id);
    // Built before anything is written: a record that throws leaves no promotion behind.
    const chain = new RecordChain(undefined);
    const records = chain.add(builds);
    // Written as it is now: the caller may go on changing the object it handed in.
    const row = promotionRow(anchored(promotion, records));
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `INSERT INTO baton.promotions (${PROMOTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        row,
      );
      if (rowCount === 0) throw new Error(`Promotion #${promotion.id} already exists.`);
      if (records.length === 0) return;
      if (await lockAuditHead(client, stream))
        throw new Error(`Promotion #${promotion.id} already exists: its audit stream has records.`);
      await writeAuditRecords(client, stream, records);
    });
    return records;
  }

  async getPromotion(id: string): Promise<Promotion | undefined> {
    if (!isPromotionId(id)) return undefined;
    const { rows } = await this.pool.query<{ document: Promotion }>(
      'SELECT document FROM baton.promotions WHERE id = $1',
      [id],
    );
    return rows[0] ? deepFreeze(rows[0].document) : undefined;
  }

  transitionPromotion(id: string, change: TransitionChange): Promise<Transitioned> {
    return this.promotions.transition(id, change);
  }

  archivePromotion(archived: ArchivedPromotion, build: AuditBuild): Promise<AuditRecord | undefined> {
    if (!isPromotionId(archived.id)) return Promise.resolve(undefined);
    const stream = promotionStream(archived.id);
    return inTransaction(this.pool, async (client) => {
      // The row lock keeps the gate out until this commits; the gate writes the promotion's records only under it.
      const { rows } = await client.query<{ document: Promotion; finished: boolean }>(
        'SELECT document, finished FROM baton.promotions WHERE id = $1 FOR UPDATE',
        [archived.id],
      );
      const current = rows[0];
      if (
        !current?.finished ||
        current.document.audit?.head !== archived.audit.head ||
        current.document.audit.count !== archived.audit.count
      )
        return undefined;
      const cursor = await client.query<{ seq: number }>('SELECT seq FROM baton.thread_cursors WHERE stream = $1', [
        stream,
      ]);
      if ((cursor.rows[0]?.seq ?? 0) < archived.audit.count) return undefined;
      const lock = await client.query<{ holder: string }>(
        'SELECT holder FROM baton.environment_locks WHERE environment = $1 FOR SHARE',
        [current.document.environment],
      );
      if (lock.rows[0]?.holder === archived.id) return undefined;
      const chain = new RecordChain(await lockAuditHead(client, BATON_STREAM));
      const [record] = chain.add([build]);
      if (!record) throw new Error(`No audit record was built for archiving promotion #${archived.id}.`);
      await writeAuditRecords(client, BATON_STREAM, chain.records);
      for (const table of ['audit_records', 'audit_heads', 'thread_cursors', 'unposted_streams'])
        await client.query(`DELETE FROM baton.${table} WHERE stream = $1`, [stream]);
      // Its thread goes with it: baton.threads deletes on cascade.
      await client.query('DELETE FROM baton.promotions WHERE id = $1', [archived.id]);
      await client.query('INSERT INTO baton.archived_promotions (id, document) VALUES ($1, $2)', [
        archived.id,
        JSON.stringify(archived),
      ]);
      return record;
    });
  }

  async archivedPromotion(id: string): Promise<ArchivedPromotion | undefined> {
    if (!isPromotionId(id)) return undefined;
    const { rows } = await this.pool.query<{ document: ArchivedPromotion }>(
      'SELECT document FROM baton.archived_promotions WHERE id = $1',
      [id],
    );
    return rows[0] ? deepFreeze(rows[0].document) : undefined;
  }

  async listPromotions(query: PromotionQuery = {}): Promise<Promotion[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (condition: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(condition(`$${params.length}`));
    };
    if (query.environment !== undefined) where((p) => `environment = ${p}`, query.environment);
    if (query.states !== undefined) {
      // Unfinished promotions are few and have an index of their own.
      if (query.states.every((state) => !isTerminal(state))) conditions.push('NOT finished');
      where((p) => `state = ANY(${p}::text[])`, query.states);
    }
    if (query.finishedBefore !== undefined) {
      conditions.push('finished');
      where((p) => `finished_at < ${p}::timestamptz`, query.finishedBefore);
    }
    if (query.before !== undefined) {
      // An id that is not one of the store's numbers has no page before it.
      if (!isPromotionId(query.before)) return [];
      where((p) => `id < ${p}`, query.before);
    }
    let sql = `SELECT document FROM baton.promotions${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY id DESC`;
    if (query.limit !== undefined) {
      params.push(query.limit);
      sql += ` LIMIT $${params.length}`;
    }
    const { rows } = await this.pool.query<{ document: Promotion }>(sql, params);
    return rows.map((row) => deepFreeze(row.document));
  }

  async getLedger(environment: string): Promise<Ledger> {
    const { rows } = await this.pool.query<{ component: string; entry: LedgerEntry }>(
      'SELECT component, entry FROM baton.ledger WHERE environment = $1',
      [environment],
    );
    return Object.fromEntries(rows.map((row) => [row.component, deepFreeze(row.entry)]));
  }

  async verifiedAt(environment: string, component: string, version: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ at: string }>(
      'SELECT at FROM baton.verified_versions WHERE environment = $1 AND component = $2 AND version = $3',
      [environment, component, version],
    );
    return rows[0]?.at;
  }

  async lockEnvironment(environment: string, promotionId: string): Promise<string> {
    // A holder seen gone between the two statements lets the next round take it.
    for (;;) {
      const taken = await this.pool.query<{ holder: string }>(
        'INSERT INTO baton.environment_locks (environment, holder) VALUES ($1, $2) ON CONFLICT (environment) DO NOTHING RETURNING holder',
        [environment, promotionId],
      );
      if (taken.rows[0]) return taken.rows[0].holder;
      const holder = await this.lockHolder(environment);
      if (holder !== undefined) return holder;
    }
  }

  async unlockEnvironment(environment: string, promotionId: string): Promise<void> {
    await this.pool.query('DELETE FROM baton.environment_locks WHERE environment = $1 AND holder = $2', [
      environment,
      promotionId,
    ]);
  }

  async lockHolder(environment: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ holder: string }>(
      'SELECT holder FROM baton.environment_locks WHERE environment = $1',
      [environment],
    );
    return rows[0]?.holder;
  }

  async setFreeze(freeze: Freeze): Promise<void> {
    await this.pool.query(
      'INSERT INTO baton.freezes (environment, document) VALUES ($1, $2) ON CONFLICT (environment) DO UPDATE SET document = EXCLUDED.document',
      [freeze.environment, JSON.stringify(freeze)],
    );
  }

  async clearFreeze(environment: string): Promise<Freeze | undefined> {
    const { rows } = await this.pool.query<{ document: Freeze }>(
      'DELETE FROM baton.freezes WHERE environment = $1 RETURNING document',
      [environment],
    );
    return rows[0]?.document;
  }

  async listFreezes(): Promise<Freeze[]> {
    const { rows } = await this.pool.query<{ document: Freeze }>(
      'SELECT document FROM baton.freezes ORDER BY environment',
    );
    return rows.map((row) => row.document);
  }

  async saveRelease(release: Release): Promise<void> {
    await this.pool.query(
      'INSERT INTO baton.releases (name, document) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document',
      [release.name, JSON.stringify(release)],
    );
  }

  async getRelease(name: string): Promise<Release | undefined> {
    const { rows } = await this.pool.query<{ document: Release }>(
      'SELECT document FROM baton.releases WHERE name = $1',
      [name],
    );
    return rows[0]?.document;
  }

  appendAudit(stream: string, build: AuditBuild): Promise<AuditRecord> {
    return this.audit.append(stream, build);
  }

  async readAudit(stream: string, afterSeq = 0): Promise<AuditRecord[]> {
    const { rows } = await this.pool.query<{ record: AuditRecord }>(
      'SELECT record FROM baton.audit_records WHERE stream = $1 AND seq > $2 ORDER BY seq',
      [stream, afterSeq],
    );
    return rows.map((row) => deepFreeze(row.record));
  }

  async noteThread(promotionId: string, thread: MessageRef): Promise<MessageRef> {
    const missing = () => new Error(`Promotion #${promotionId} does not exist.`);
    if (!isPromotionId(promotionId)) throw missing();
    try {
      await this.pool.query(
        'INSERT INTO baton.threads (promotion_id, channel, message_id) VALUES ($1, $2, $3) ON CONFLICT (promotion_id) DO NOTHING',
        [promotionId, thread.channel, thread.messageId],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) throw missing();
      throw error;
    }
    // Read on its own: the insert's snapshot may predate the note of a bot that won the race.
    const stands = await this.threadOf(promotionId);
    if (!stands) throw missing();
    return stands;
  }

  async threadOf(promotionId: string): Promise<MessageRef | undefined> {
    return (await this.threadsOf([promotionId])).get(promotionId);
  }

  async threadsOf(promotionIds: readonly string[]): Promise<Map<string, MessageRef>> {
    const ids = promotionIds.filter(isPromotionId);
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; channel: string; message_id: string }>(
      'SELECT promotion_id::text AS id, channel, message_id FROM baton.threads WHERE promotion_id = ANY($1::bigint[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, deepFreeze({ channel: row.channel, messageId: row.message_id })]));
  }

  async threadCursor(stream: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>('SELECT seq FROM baton.thread_cursors WHERE stream = $1', [
      stream,
    ]);
    return rows[0]?.seq ?? 0;
  }

  advanceThreadCursor(stream: string, from: number, to: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const moved =
        from === 0
          ? await client.query(
              'INSERT INTO baton.thread_cursors (stream, seq) VALUES ($1, $2) ON CONFLICT (stream) DO UPDATE SET seq = EXCLUDED.seq WHERE baton.thread_cursors.seq = 0',
              [stream, to],
            )
          : await client.query('UPDATE baton.thread_cursors SET seq = $3 WHERE stream = $1 AND seq = $2', [
              stream,
              from,
              to,
            ]);
      if (moved.rowCount === 0) return false;
      // A share lock on the head waits for an append under way, so its unposted mark is never taken away unseen.
      const { rows } = await client.query<{ seq: number }>(
        'SELECT seq FROM baton.audit_heads WHERE stream = $1 FOR SHARE',
        [stream],
      );
      if ((rows[0]?.seq ?? 0) <= to)
        await client.query('DELETE FROM baton.unposted_streams WHERE stream = $1', [stream]);
      return true;
    });
  }

  async unpostedStreams(limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ stream: string }>(
      'SELECT stream FROM baton.unposted_streams ORDER BY noted LIMIT $1',
      [limit],
    );
    return rows.map((row) => row.stream);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    this.claimsSinceSweep += 1;
    if (this.claimsSinceSweep >= CLAIMS_PER_SWEEP) {
      this.claimsSinceSweep = 0;
      await this.pool.query('DELETE FROM baton.claims WHERE until <= clock_timestamp()');
    }
    // Keys come from requests: a digest keeps the row small and free of bytes PostgreSQL's text refuses.
    const digest = createHash('sha256').update(key).digest('base64url');
    const { rowCount } = await this.pool.query(
      `INSERT INTO baton.claims (key, until) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until WHERE baton.claims.until <= clock_timestamp()`,
      [digest, ttlMs],
    );
    return rowCount === 1;
  }

  async holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO baton.leases (name, holder, until) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
       WHERE baton.leases.holder = EXCLUDED.holder OR baton.leases.until <= clock_timestamp()`,
      [name, holder, ttlMs],
    );
    return rowCount === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.pool.query('DELETE FROM baton.leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  /** Deployment figures of one environment over the `days` days before `now`, computed in PostgreSQL. */
  deploymentWindow(environment: string, days: number, now: Date): Promise<DeploymentWindow> {
    return deploymentWindow(this.pool, environment, new Date(now.getTime() - days * 86_400_000), now);
  }

  async close(): Promise<void> {
    await this.promotions.idle();
    await this.audit.idle();
    await this.endDatabaseUse();
    await this.pool.end();
  }
}
