/**
 * The Redis store: every bot replica and worker shares one state. Writes that
 * depend on what is there (promotion updates, locks, the audit chain) are
 * compare-and-set Lua scripts, retried when another writer got there first.
 */
import type { Redis } from 'ioredis';
import { BATON_STREAM, promotionStream } from '../../core/audit.ts';
import type { AuditRecord } from '../../core/audit-record.ts';
import {
  finishedBefore,
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
import { AuditChain, AuditWriter } from './audit-writer.ts';
import type { TransitionChange, Transitioned } from '../batched-changes.ts';
import { PromotionWriter, type PromotionKeys } from './promotion-writer.ts';
import { RecentValues } from './recent-values.ts';
import {
  ACQUIRE_LOCK,
  ADVANCE_CURSOR,
  ARCHIVE_PROMOTION,
  CREATE_PROMOTION,
  HOLD_LEASE,
  NOTE_THREAD,
  RELEASE_LOCK,
} from './scripts.ts';
import { verifiedField } from './verified-fields.ts';

// Streams written recently: promotions still moving and every environment.
const REMEMBERED_STREAMS = 1000;
// Baton's own stream is written by few: a head that keeps moving under an archive run means something is wrong.
const MAX_ARCHIVE_ATTEMPTS = 100;

/** The thread a promotion written before threads had keys of their own keeps in its JSON. */
function earlierThread(json: string | null): MessageRef | undefined {
  if (json === null) return undefined;
  const { thread } = JSON.parse(json) as { thread?: MessageRef };
  return thread ? deepFreeze({ channel: thread.channel, messageId: thread.messageId }) : undefined;
}

export class RedisStore implements Store {
  private readonly promotions: PromotionWriter;
  private readonly audit: AuditWriter;
  private readonly keys: PromotionKeys;
  /** The last head seen of each audit stream, shared by every writer here. */
  private readonly heads: RecentValues<string>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'baton:',
  ) {
    this.heads = new RecentValues<string>(REMEMBERED_STREAMS);
    this.keys = {
      promotion: (id: string) => this.key('promotion', id),
      ledger: (environment: string) => this.key('ledger', environment),
      verified: this.key('verified'),
      active: this.key('promotions', 'active'),
      audit: (stream: string) => this.key('audit', stream),
      auditHead: (stream: string) => this.key('audit-head', stream),
      unposted: this.key('unposted'),
    };
    this.promotions = new PromotionWriter(redis, this.keys, this.heads);
    this.audit = new AuditWriter(redis, this.keys, this.heads);
  }

  private key(...parts: string[]): string {
    return `${this.prefix}${parts.join(':')}`;
  }

  async nextPromotionId(): Promise<string> {
    return String(await this.redis.incr(this.key('promotion-counter')));
  }

  async createPromotion(promotion: Promotion, builds: AuditBuild[] = []): Promise<AuditRecord[]> {
    const stream = promotionStream(promotion.id);
    const chain = new AuditChain('');
    const records = chain.add(builds);
    const json = JSON.stringify(anchored(promotion, records));
    const created = await CREATE_PROMOTION.run(
      this.redis,
      [
        this.keys.promotion(promotion.id),
        this.key('promotions'),
        this.key('promotions', 'environment', promotion.environment),
        this.keys.active,
        this.keys.audit(stream),
        this.keys.auditHead(stream),
        this.keys.unposted,
      ],
      [json, promotion.id, ...(records.length > 0 ? [stream, chain.nextHead, ...chain.entries] : [])],
    );
    if (created !== 1) throw new Error(`Promotion #${promotion.id} already exists.`);
    this.promotions.saw(promotion.id, json);
    if (records.length > 0) this.heads.set(stream, chain.nextHead);
    return records;
  }

  async getPromotion(id: string): Promise<Promotion | undefined> {
    const text = await this.redis.get(this.key('promotion', id));
    if (text === null) return undefined;
    this.promotions.saw(id, text);
    return deepFreeze(JSON.parse(text) as Promotion);
  }

  transitionPromotion(id: string, change: TransitionChange): Promise<Transitioned> {
    return this.promotions.transition(id, change);
  }

  async archivePromotion(archived: ArchivedPromotion, build: AuditBuild): Promise<AuditRecord | undefined> {
    const stream = promotionStream(archived.id);
    const json = JSON.stringify(archived);
    let head = this.heads.get(BATON_STREAM) ?? '';
    for (let attempt = 0; attempt < MAX_ARCHIVE_ATTEMPTS; attempt += 1) {
      const chain = new AuditChain(head);
      const [record] = chain.add([build]);
      if (!record) throw new Error(`No audit record was built for archiving promotion #${archived.id}.`);
      const [seq = '', recordJson = ''] = chain.entries;
      const reply = (await ARCHIVE_PROMOTION.run(
        this.redis,
        [
          this.keys.promotion(archived.id),
          this.key('promotions'),
          this.key('promotions', 'environment', archived.environment),
          this.keys.active,
          this.keys.audit(stream),
          this.keys.auditHead(stream),
          this.key('thread-cursor', stream),
          this.keys.unposted,
          this.key('archived'),
          this.keys.audit(BATON_STREAM),
          this.keys.auditHead(BATON_STREAM),
          this.key('lock', archived.environment),
          this.key('thread', archived.id),
        ],
        [
          archived.id,
          `${archived.audit.count} ${archived.audit.head}`,
          String(archived.audit.count),
          json,
          BATON_STREAM,
          head,
          chain.nextHead,
          seq,
          recordJson,
          stream,
        ],
      )) as number | [number, string];
      if (reply === 0) return undefined;
      if (typeof reply === 'number') {
        this.heads.set(BATON_STREAM, chain.nextHead);
        this.heads.delete(stream);
        this.promotions.forget(archived.id);
        return record;
      }
      head = reply[1];
      this.heads.set(BATON_STREAM, head);
    }
    throw new Error(
      `Baton's audit stream kept moving while promotion #${archived.id} was archived; giving up after ${MAX_ARCHIVE_ATTEMPTS} attempts.`,
    );
  }

  async archivedPromotion(id: string): Promise<ArchivedPromotion | undefined> {
    const text = await this.redis.hget(this.key('archived'), id);
    return text === null ? undefined : deepFreeze(JSON.parse(text) as ArchivedPromotion);
  }

  async listPromotions(query: PromotionQuery = {}): Promise<Promotion[]> {
    const onlyUnfinished = query.states !== undefined && query.states.every((state) => !isTerminal(state));
    let ids: string[];
    if (onlyUnfinished) {
      const active = this.key('promotions', 'active');
      ids = query.environment
        ? await this.redis.zinter(2, this.key('promotions', 'environment', query.environment), active)
        : await this.redis.smembers(active);
      ids.sort((a, b) => Number(b) - Number(a));
    } else {
      const index = query.environment
        ? this.key('promotions', 'environment', query.environment)
        : this.key('promotions');
      const unfiltered = query.limit !== undefined && query.states === undefined && query.finishedBefore === undefined;
      // Scores are the ids, so the page before one is a score range.
      const below = query.before === undefined ? '+inf' : `(${Number(query.before)}`;
      ids = unfiltered
        ? await this.redis.zrevrangebyscore(index, below, '-inf', 'LIMIT', 0, query.limit ?? 0)
        : await this.redis.zrevrangebyscore(index, below, '-inf');
    }
    const found: Promotion[] = [];
    // Read in pages so that a long history is not one huge reply.
    for (let start = 0; start < ids.length; start += 500) {
      const page = ids.slice(start, start + 500);
      const texts = await this.redis.mget(page.map((id) => this.key('promotion', id)));
      for (const text of texts) {
        if (text === null) continue;
        const promotion = deepFreeze(JSON.parse(text) as Promotion);
        if (query.environment && promotion.environment !== query.environment) continue;
        if (query.states && !query.states.includes(promotion.state)) continue;
        if (query.before !== undefined && !(Number(promotion.id) < Number(query.before))) continue;
        if (query.finishedBefore !== undefined && !finishedBefore(promotion, query.finishedBefore)) continue;
        found.push(promotion);
        if (query.limit !== undefined && found.length >= query.limit) return found;
      }
    }
    return found;
  }

  async getLedger(environment: string): Promise<Ledger> {
    const fields = await this.redis.hgetall(this.key('ledger', environment));
    return Object.fromEntries(
      Object.entries(fields).map(([component, text]) => [component, deepFreeze(JSON.parse(text) as LedgerEntry)]),
    );
  }

  async verifiedAt(environment: string, component: string, version: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.verified, verifiedField(environment, component, version))) ?? undefined;
  }

  async lockEnvironment(environment: string, promotionId: string): Promise<string> {
    return String(await ACQUIRE_LOCK.run(this.redis, [this.key('lock', environment)], [promotionId]));
  }

  async unlockEnvironment(environment: string, promotionId: string): Promise<void> {
    await RELEASE_LOCK.run(this.redis, [this.key('lock', environment)], [promotionId]);
  }

  async lockHolder(environment: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('lock', environment))) ?? undefined;
  }

  async setFreeze(freeze: Freeze): Promise<void> {
    await this.redis.hset(this.key('freezes'), freeze.environment, JSON.stringify(freeze));
  }

  async clearFreeze(environment: string): Promise<Freeze | undefined> {
    const [[, text], [, removed]] = (await this.redis
      .multi()
      .hget(this.key('freezes'), environment)
      .hdel(this.key('freezes'), environment)
      .exec()) as [[Error | null, string | null], [Error | null, number]];
    return removed === 1 && text ? (JSON.parse(text) as Freeze) : undefined;
  }

  async listFreezes(): Promise<Freeze[]> {
    return Object.values(await this.redis.hgetall(this.key('freezes'))).map((text) => JSON.parse(text) as Freeze);
  }

  async saveRelease(release: Release): Promise<void> {
    await this.redis.hset(this.key('releases'), release.name, JSON.stringify(release));
  }

  async getRelease(name: string): Promise<Release | undefined> {
    const text = await this.redis.hget(this.key('releases'), name);
    return text === null ? undefined : (JSON.parse(text) as Release);
  }

  appendAudit(stream: string, build: AuditBuild): Promise<AuditRecord> {
    return this.audit.append(stream, build);
  }

  async readAudit(stream: string, afterSeq = 0): Promise<AuditRecord[]> {
    // Entry ids are the records' sequence numbers, so "after" is a range start.
    const entries = await this.redis.xrange(this.keys.audit(stream), afterSeq > 0 ? `(${afterSeq}-0` : '-', '+');
    return entries.map(([, fields]) => deepFreeze(JSON.parse(fields[1] ?? 'null') as AuditRecord));
  }

  async noteThread(promotionId: string, thread: MessageRef): Promise<MessageRef> {
    // A thread kept in the JSON of a promotion written before threads had keys of their own stands, and gets its key.
    const noted = (await this.threadOf(promotionId)) ?? thread;
    const stands = (await NOTE_THREAD.run(
      this.redis,
      [this.key('thread', promotionId), this.keys.promotion(promotionId)],
      [JSON.stringify({ channel: noted.channel, messageId: noted.messageId })],
    )) as string | null;
    if (stands === null) throw new Error(`Promotion #${promotionId} does not exist.`);
    return deepFreeze(JSON.parse(stands) as MessageRef);
  }

  async threadOf(promotionId: string): Promise<MessageRef | undefined> {
    return (await this.threadsOf([promotionId])).get(promotionId);
  }

  /**
   * Read from the threads' own keys; a promotion without one may keep its
   * thread in its JSON, written before threads had keys of their own.
   */
  async threadsOf(promotionIds: readonly string[]): Promise<Map<string, MessageRef>> {
    const threads = new Map<string, MessageRef>();
    if (promotionIds.length === 0) return threads;
    const noted = await this.redis.mget(promotionIds.map((id) => this.key('thread', id)));
    const unnoted: string[] = [];
    promotionIds.forEach((id, i) => {
      const json = noted[i];
      if (json) threads.set(id, deepFreeze(JSON.parse(json) as MessageRef));
      else unnoted.push(id);
    });
    if (unnoted.length === 0) return threads;
    const promotions = await this.redis.mget(unnoted.map((id) => this.keys.promotion(id)));
    unnoted.forEach((id, i) => {
      const thread = earlierThread(promotions[i] ?? null);
      if (thread) threads.set(id, thread);
    });
    return threads;
  }

  async threadCursor(stream: string): Promise<number> {
    return Number((await this.redis.get(this.key('thread-cursor', stream))) ?? 0);
  }

  async advanceThreadCursor(stream: string, from: number, to: number): Promise<boolean> {
    const keys = [this.key('thread-cursor', stream), this.keys.auditHead(stream), this.keys.unposted];
    return (await ADVANCE_CURSOR.run(this.redis, keys, [String(from), String(to), stream])) === 1;
  }

  unpostedStreams(limit: number): Promise<string[]> {
    return this.redis.zrange(this.keys.unposted, '0', String(limit - 1));
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('claim', key), '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await HOLD_LEASE.run(this.redis, [this.key('lease', name)], [holder, String(ttlMs)])) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await RELEASE_LOCK.run(this.redis, [this.key('lease', name)], [holder]);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
