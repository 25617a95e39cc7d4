/**
 * The embedded store: state in memory, every change journalled to one file
 * under the data folder (`.baton/` by default) so that a restart loses no record.
 * Without a data folder it keeps nothing on disk (tests).
 */
import { existsSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
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
import type { AuditBuild, AuditHead, LedgerWrite, PromotionQuery, PromotionTransition, Store } from '../contract.ts';
import { Journal, type JournalRepair } from '../../journal.ts';
import { holdPidFile, type HeldPidFile } from '../../data-folder/pid-file.ts';
import { encryptPlainSensitiveOutputs } from '../../core/outputs-at-rest.ts';
import type { OutputCipher } from '../../core/capabilities.ts';
import type { PublishedOutputs } from '../../core/redaction.ts';
import { anchored } from '../anchor.ts';
import { deepFreeze } from '../deep-freeze.ts';
import type { RecordsSnapshot } from '../records-snapshot.ts';

type StateChange =
  | { kind: 'ledger'; environment: string; component: string; entry: LedgerEntry | null }
  | { kind: 'verified'; key: string; at: string }
  | { kind: 'lock'; environment: string; holder: string | null }
  | { kind: 'freeze'; environment: string; freeze: Freeze | null }
  | { kind: 'release'; release: Release }
  | { kind: 'counter'; value: number }
  | { kind: 'cursor'; stream: string; seq: number }
  | { kind: 'thread'; promotionId: string; thread: MessageRef };

/** One line of the journal: a transition is one line, so a crash keeps all of it or none. */
type JournalEntry =
  | StateChange
  | { kind: 'promotion'; promotion: Promotion }
  | { kind: 'audit'; record: AuditRecord }
  /** A promotion replaced by its archived entry, with the record of Baton's stream that says so; without a record, as compaction keeps it. */
  | { kind: 'archive'; archived: ArchivedPromotion; record?: AuditRecord }
  | {
      kind: 'transition';
      promotion?: Promotion;
      records: AuditRecord[];
      environment?: string;
      ledger?: LedgerWrite[];
      verified?: { keys: string[]; at: string };
    };

export const JOURNAL_FILE = 'journal.jsonl';
/** The files of the layout before one journal; read once, then folded into it. */
export const EARLIER_FILES = ['promotions.jsonl', 'state.jsonl', 'audit.jsonl'] as const;

function verifiedKey(environment: string, component: string, version: string): string {
  return `${environment}\u0000${component}\u0000${version}`;
}

function verifiedKeys(environment: string, versions: Record<string, string>): string[] {
  return Object.entries(versions).map(([component, version]) => verifiedKey(environment, component, version));
}

export class MemoryStore implements Store {
  private readonly promotions = new Map<string, Promotion>();
  /** Promotion ids oldest first, and those not finished yet: `/promote status` asks for these often. */
  private readonly ids: string[] = [];
  private readonly unfinished = new Set<string>();
  private readonly ledger: Record<string, Ledger> = {};
  private readonly verified = new Map<string, string>();
  private readonly locks = new Map<string, string>();
  private readonly freezes = new Map<string, Freeze>();
  private readonly releases = new Map<string, Release>();
  private readonly archived = new Map<string, ArchivedPromotion>();
  private readonly audit = new Map<string, AuditRecord[]>();
  private readonly cursors = new Map<string, number>();
  /** Promotion id → its chat thread. */
  private readonly threads = new Map<string, MessageRef>();
  /** Streams with records past their cursor, in the order they fell behind. */
  private readonly unposted = new Set<string>();
  /** Claimed keys and when each claim lapses; one process, so memory is enough. */
  private readonly claims = new Map<string, number>();
  private readonly leases = new Map<string, { holder: string; until: number }>();
  private counter = 0;
  private readonly journal: Journal<JournalEntry> | undefined;
  private readonly pidFile: HeldPidFile | undefined;
  /** A torn last line cut off the journal at open (a crash mid-write), for the caller to log and record. */
  repaired: JournalRepair | undefined;

  /**
   * `compact: false` for a second process reading the same folder (the CLI's
   * `plan`): folding the file while the bot appends to it would lose lines.
   * With `compact: true` the store is the folder's writer and holds its pid file.
   */
  constructor(dataDir?: string, options: { compact: boolean } = { compact: true }) {
    if (!dataDir) return;
    this.journal = new Journal(join(dataDir, JOURNAL_FILE));
    if (options.compact) this.pidFile = holdPidFile(dataDir);
    try {
      this.replay(dataDir, options.compact);
    } catch (error) {
      this.pidFile?.release();
      throw error;
    }
  }

  private replay(dataDir: string, compact: boolean): void {
    if (!this.journal) return;
    const earlier = this.journal.exists()
      ? []
      : EARLIER_FILES.map((name) => join(dataDir, name)).filter((path) => existsSync(path));
    let lines = 0;
    for (const path of earlier) {
      const entries = new Journal<unknown>(path).read();
      lines += entries.length;
      for (const entry of entries) this.applyEarlier(basename(path), entry);
    }
    for (const entry of this.readJournal(this.journal, compact)) {
      lines += 1;
      this.apply(entry);
    }
    for (const promotion of this.promotions.values()) deepFreeze(promotion);
    // Records are numbered from 1 without gaps: the first one past a cursor sits at the cursor's position.
    const behind = [...this.audit].flatMap(([stream, records]) => {
      const first = records[this.cursors.get(stream) ?? 0];
      return first ? [{ stream, since: first.at }] : [];
    });
    for (const { stream } of behind.sort((a, b) => a.since.localeCompare(b.since))) this.unposted.add(stream);
    if (!compact) return;
    // Keep start-up fast: fold superseded lines away once they dominate; the earlier layout is folded in at once.
    const live =
      this.promotions.size +
      this.threads.size +
      [...this.audit.values()].reduce((sum, records) => sum + records.length, 0);
    if (earlier.length > 0 || lines > 2 * live + 1000) {
      this.journal.rewrite(this.snapshot());
      for (const path of earlier) unlinkSync(path);
    }
  }

  /** The writer cuts a torn last line off; a reader beside a running bot leaves it, as it may be a write under way. */
  private readJournal(journal: Journal<JournalEntry>, writer: boolean): JournalEntry[] {
    if (!writer) return journal.read();
    const { entries, repair } = journal.open();
    this.repaired = repair;
    return entries;
  }

  /** Rewrites the journal to the live state now (`baton compact`); before the first append only. */
  compact(cipher?: OutputCipher): number {
    const encrypted = cipher ? this.encryptPlainOutputs(cipher) : 0;
    this.journal?.rewrite(this.snapshot());
    return encrypted;
  }

  /** Sensitive outputs that older versions kept in plain text, encrypted in place; how many. */
  private encryptPlainOutputs(cipher: OutputCipher): number {
    let count = 0;
    const encrypt = <T extends PublishedOutputs>(kept: T): T => {
      const encrypted = encryptPlainSensitiveOutputs(cipher, kept);
      if (!encrypted) return kept;
      count += (kept.sensitiveOutputs ?? []).filter((name) => encrypted.outputs[name] !== kept.outputs[name]).length;
      return { ...kept, outputs: encrypted.outputs };
    };
    for (const [id, promotion] of this.promotions) {
      const steps = promotion.steps.map((step) => ({
        ...encrypt(step),
        ...(step.ledgerBefore ? { ledgerBefore: encrypt(step.ledgerBefore) } : {}),
      }));
      this.promotions.set(id, deepFreeze({ ...promotion, steps }));
    }
    for (const components of Object.values(this.ledger)) {
      for (const [component, entry] of Object.entries(components)) components[component] = deepFreeze(encrypt(entry));
    }
    return count;
  }

  /** Everything kept, as plain values, for `baton migrate-store`. */
  recordsSnapshot(): RecordsSnapshot {
    return {
      counter: this.counter,
      promotions: this.ids.flatMap((id) => this.promotions.get(id) ?? []),
      streams: new Map(this.audit),
      cursors: new Map(this.cursors),
      threads: new Map(this.threads),
      ledger: Object.entries(this.ledger).flatMap(([environment, components]) =>
        Object.entries(components).map(([component, entry]) => ({ environment, component, entry })),
      ),
      verified: [...this.verified].map(([key, at]) => {
        const [environment = '', component = '', version = ''] = key.split('\u0000');
        return { environment, component, version, at };
      }),
      locks: [...this.locks].map(([environment, holder]) => ({ environment, holder })),
      freezes: [...this.freezes.values()],
      releases: [...this.releases.values()],
      archived: [...this.archived.values()],
    };
  }

  /** A line of the layout before one journal: promotions, state changes and audit records each had a file. */
  private applyEarlier(file: string, entry: unknown): void {
    if (file === 'promotions.jsonl') this.keep(this.carryThread(entry as Promotion));
    else if (file === 'state.jsonl') this.apply(entry as StateChange);
    else this.keepRecords((entry as AuditRecord).stream, [deepFreeze(entry as AuditRecord)]);
  }

  private snapshot(): JournalEntry[] {
    const entries: JournalEntry[] = [{ kind: 'counter', value: this.counter }];
    for (const id of this.ids) {
      const promotion = this.promotions.get(id);
      if (promotion) entries.push({ kind: 'promotion', promotion });
    }
    for (const records of this.audit.values()) for (const record of records) entries.push({ kind: 'audit', record });
    for (const [environment, components] of Object.entries(this.ledger)) {
      for (const [component, entry] of Object.entries(components))
        entries.push({ kind: 'ledger', environment, component, entry });
    }
    for (const [key, at] of this.verified) entries.push({ kind: 'verified', key, at });
    for (const [environment, holder] of this.locks) entries.push({ kind: 'lock', environment, holder });
    for (const [environment, freeze] of this.freezes) entries.push({ kind: 'freeze', environment, freeze });
    for (const release of this.releases.values()) entries.push({ kind: 'release', release });
    for (const archived of this.archived.values()) entries.push({ kind: 'archive', archived });
    for (const [stream, seq] of this.cursors) entries.push({ kind: 'cursor', stream, seq });
    for (const [promotionId, thread] of this.threads) entries.push({ kind: 'thread', promotionId, thread });
    return entries;
  }

  private apply(entry: JournalEntry): void {
    switch (entry.kind) {
      case 'promotion':
        this.keep(this.carryThread(entry.promotion));
        break;
      case 'audit':
        this.keepRecords(entry.record.stream, [deepFreeze(entry.record)]);
        break;
      case 'transition':
        this.applyTransition(entry.promotion ? { ...entry, promotion: this.carryThread(entry.promotion) } : entry);
        break;
      case 'archive':
        this.applyArchive(entry.archived, entry.record);
        break;
      default:
        this.applyChange(entry);
    }
  }

  /**
   * Journals written before threads were kept apart hold the thread in the
   * promotion: it moves into the threads, the first one noted standing.
   */
  private carryThread(promotion: Promotion): Promotion {
    if (!('thread' in promotion)) return promotion;
    const { thread, ...rest } = promotion as Promotion & { thread?: MessageRef };
    if (thread && !this.threads.has(promotion.id)) this.threads.set(promotion.id, deepFreeze(thread));
    return rest;
  }

  private applyTransition(entry: Extract<JournalEntry, { kind: 'transition' }>): void {
    if (entry.promotion) this.keep(deepFreeze(entry.promotion));
    const first = entry.records[0];
    if (first)
      this.keepRecords(
        first.stream,
        entry.records.map((record) => deepFreeze(record)),
      );
    for (const write of entry.ledger ?? []) {
      if (entry.environment)
        this.applyChange({
          kind: 'ledger',
          environment: entry.environment,
          component: write.component,
          entry: write.entry,
        });
    }
    for (const key of entry.verified?.keys ?? []) {
      if (!this.verified.has(key)) this.verified.set(key, entry.verified?.at ?? '');
    }
  }

  private applyArchive(archived: ArchivedPromotion, record: AuditRecord | undefined): void {
    const stream = promotionStream(archived.id);
    if (this.promotions.delete(archived.id)) this.ids.splice(this.ids.indexOf(archived.id), 1);
    this.unfinished.delete(archived.id);
    this.audit.delete(stream);
    this.cursors.delete(stream);
    this.unposted.delete(stream);
    this.threads.delete(archived.id);
    this.archived.set(archived.id, deepFreeze(archived));
    if (record) this.keepRecords(BATON_STREAM, [deepFreeze(record)]);
  }

  private applyChange(change: StateChange): void {
    switch (change.kind) {
      case 'ledger': {
        const environment = (this.ledger[change.environment] ??= {});
        // A copy of its own: the caller may go on changing the entry it handed in.
        if (change.entry) environment[change.component] = deepFreeze(structuredClone(change.entry));
        else delete environment[change.component];
        break;
      }
      case 'verified':
        this.verified.set(change.key, change.at);
        break;
      case 'lock':
        if (change.holder) this.locks.set(change.environment, change.holder);
        else this.locks.delete(change.environment);
        break;
      case 'freeze':
        if (change.freeze) this.freezes.set(change.environment, change.freeze);
        else this.freezes.delete(change.environment);
        break;
      case 'release':
        this.releases.set(change.release.name, change.release);
        break;
      case 'counter':
        this.counter = change.value;
        break;
      case 'cursor':
        this.cursors.set(change.stream, change.seq);
        if (change.seq >= (this.audit.get(change.stream)?.at(-1)?.seq ?? 0)) this.unposted.delete(change.stream);
        break;
      case 'thread':
        if (!this.threads.has(change.promotionId)) this.threads.set(change.promotionId, deepFreeze(change.thread));
        break;
    }
  }

  /** Applied at once, so that nothing in this process sees the state before it; resolves once journalled. */
  private async change(change: StateChange): Promise<void> {
    this.applyChange(change);
    await this.journal?.append(change);
  }

  /**
   * As `change`, but resolves once written, before the disk has it: for
   * bookkeeping that a later synced line carries to the disk (a sync covers
   * every line before it) or that a start repairs when a power cut lost it.
   * A killed process loses none of it: the written line is in the page cache.
   */
  private async changeUnsynced(change: StateChange): Promise<void> {
    this.applyChange(change);
    await this.journal?.appendUnsynced(change);
  }

  private keep(promotion: Promotion): void {
    if (!this.promotions.has(promotion.id)) {
      const last = this.ids.at(-1);
      this.ids.push(promotion.id);
      // Ids are numbered in order, but two requests may be created out of it.
      if (last !== undefined && Number(last) > Number(promotion.id)) this.ids.sort((a, b) => Number(a) - Number(b));
    }
    this.promotions.set(promotion.id, promotion);
    if (isTerminal(promotion.state)) this.unfinished.delete(promotion.id);
    else this.unfinished.add(promotion.id);
  }

  async nextPromotionId(): Promise<string> {
    const value = this.counter + 1;
    // Not synced on its own: the id is heard of only with its promotion, whose synced line comes after this one.
    await this.changeUnsynced({ kind: 'counter', value });
    return String(value);
  }

  async createPromotion(promotion: Promotion, builds: AuditBuild[] = []): Promise<AuditRecord[]> {
    if (this.promotions.has(promotion.id)) throw new Error(`Promotion #${promotion.id} already exists.`);
    const stream = promotionStream(promotion.id);
    const records = this.chain(stream, builds);
    // A copy: the caller may go on changing the object it handed in.
    const created = deepFreeze(anchored(structuredClone(promotion), records));
    const entry: JournalEntry = { kind: 'transition', promotion: created, records };
    this.applyTransition(entry);
    await this.journal?.append(entry);
    return records;
  }

  async getPromotion(id: string): Promise<Promotion | undefined> {
    return this.promotions.get(id);
  }

  async transitionPromotion(
    id: string,
    change: (current: Promotion) => PromotionTransition | undefined,
  ): Promise<{ promotion: Promotion; records: AuditRecord[] }> {
    const current = this.promotions.get(id);
    if (!current) throw new Error(`Promotion #${id} does not exist.`);
    // Everything is worked out before anything is kept: a change or a record that throws leaves all as it was.
    const transition = change(current);
    if (!transition) return { promotion: current, records: [] };
    const records = this.chain(promotionStream(id), transition.records);
    const changed = transition.promotion !== undefined || records.length > 0;
    const promotion = changed ? deepFreeze(anchored(transition.promotion ?? current, records)) : current;
    const entry: JournalEntry = {
      kind: 'transition',
      ...(changed ? { promotion } : {}),
      records,
      ...(transition.ledger?.length ? { environment: promotion.environment, ledger: transition.ledger } : {}),
      ...(transition.verified
        ? {
            verified: {
              keys: verifiedKeys(promotion.environment, transition.verified.versions),
              at: transition.verified.at,
            },
          }
        : {}),
    };
    this.applyTransition(entry);
    // One line: a crash keeps the change, its records and its ledger entries, or none of them.
    await this.journal?.append(entry);
    return { promotion, records };
  }

  async archivePromotion(archived: ArchivedPromotion, build: AuditBuild): Promise<AuditRecord | undefined> {
    const current = this.promotions.get(archived.id);
    if (!current || !isTerminal(current.state)) return undefined;
    if (current.audit?.head !== archived.audit.head || current.audit.count !== archived.audit.count) return undefined;
    if ((this.cursors.get(promotionStream(archived.id)) ?? 0) < archived.audit.count) return undefined;
    if (this.locks.get(current.environment) === archived.id) return undefined;
    const [record] = this.chain(BATON_STREAM, [build]);
    if (!record) throw new Error(`No audit record was built for archiving promotion #${archived.id}.`);
    const kept = structuredClone(archived);
    this.applyArchive(kept, record);
    // One line: a crash keeps the promotion with its records, or the archived entry with Baton's record of it.
    await this.journal?.append({ kind: 'archive', archived: kept, record });
    return record;
  }

  async archivedPromotion(id: string): Promise<ArchivedPromotion | undefined> {
    return this.archived.get(id);
  }

  async listPromotions(query: PromotionQuery = {}): Promise<Promotion[]> {
    const found: Promotion[] = [];
    const onlyUnfinished = query.states !== undefined && query.states.every((state) => !isTerminal(state));
    const ids = onlyUnfinished ? [...this.unfinished].sort((a, b) => Number(b) - Number(a)) : [...this.ids].reverse();
    for (const id of ids) {
      const promotion = this.promotions.get(id);
      if (!promotion) continue;
      if (query.environment && promotion.environment !== query.environment) continue;
      if (query.states && !query.states.includes(promotion.state)) continue;
      if (query.before !== undefined && !(Number(id) < Number(query.before))) continue;
      if (query.finishedBefore !== undefined && !finishedBefore(promotion, query.finishedBefore)) continue;
      found.push(promotion);
      if (query.limit !== undefined && found.length >= query.limit) break;
    }
    return found;
  }

  async getLedger(environment: string): Promise<Ledger> {
    return { ...this.ledger[environment] };
  }

  async verifiedAt(environment: string, component: string, version: string): Promise<string | undefined> {
    return this.verified.get(verifiedKey(environment, component, version));
  }

  async lockEnvironment(environment: string, promotionId: string): Promise<string> {
    const holder = this.locks.get(environment);
    if (holder) return holder;
    // The holder's next change (its plan recorded, its start, its rollback) is synced after it; one cut off while planning plans again.
    await this.changeUnsynced({ kind: 'lock', environment, holder: promotionId });
    return promotionId;
  }

  async unlockEnvironment(environment: string, promotionId: string): Promise<void> {
    // Lost to a power cut, it leaves the environment held by a promotion done with it, which the next start frees.
    if (this.locks.get(environment) === promotionId)
      await this.changeUnsynced({ kind: 'lock', environment, holder: null });
  }

  async lockHolder(environment: string): Promise<string | undefined> {
    return this.locks.get(environment);
  }

  async setFreeze(freeze: Freeze): Promise<void> {
    await this.change({ kind: 'freeze', environment: freeze.environment, freeze });
  }

  async clearFreeze(environment: string): Promise<Freeze | undefined> {
    const existing = this.freezes.get(environment);
    if (existing) await this.change({ kind: 'freeze', environment, freeze: null });
    return existing;
  }

  async listFreezes(): Promise<Freeze[]> {
    return [...this.freezes.values()].map((f) => structuredClone(f));
  }

  async saveRelease(release: Release): Promise<void> {
    await this.change({ kind: 'release', release: structuredClone(release) });
  }

  async getRelease(name: string): Promise<Release | undefined> {
    const release = this.releases.get(name);
    return release ? structuredClone(release) : undefined;
  }

  /** Builds records one after the other on a stream's head, keeping none yet. */
  private chain(stream: string, builds: readonly AuditBuild[]): AuditRecord[] {
    const last = this.audit.get(stream)?.at(-1);
    let previous: AuditHead | undefined = last ? { hash: last.hash, seq: last.seq } : undefined;
    return builds.map((build) => {
      const record = deepFreeze(build(previous));
      previous = { hash: record.hash, seq: record.seq };
      return record;
    });
  }

  private keepRecords(stream: string, records: AuditRecord[]): void {
    const kept = this.audit.get(stream);
    if (kept) kept.push(...records);
    // A list of its own: the caller keeps the one it was handed.
    else this.audit.set(stream, [...records]);
    if (records.length > 0) this.unposted.add(stream);
  }

  async appendAudit(stream: string, build: AuditBuild): Promise<AuditRecord> {
    const [record] = this.chain(stream, [build]);
    if (!record) throw new Error(`No audit record was built for ${stream}.`);
    this.keepRecords(stream, [record]);
    await this.journal?.append({ kind: 'audit', record });
    return record;
  }

  async readAudit(stream: string, afterSeq = 0): Promise<AuditRecord[]> {
    // Records are numbered from 1 without gaps, so the position follows from the number.
    return (this.audit.get(stream) ?? []).slice(afterSeq);
  }

  async noteThread(promotionId: string, thread: MessageRef): Promise<MessageRef> {
    if (!this.promotions.has(promotionId)) throw new Error(`Promotion #${promotionId} does not exist.`);
    const noted = this.threads.get(promotionId);
    if (noted) return noted;
    // A copy of its own: the caller may go on changing the object it handed in.
    const kept = { channel: thread.channel, messageId: thread.messageId };
    await this.change({ kind: 'thread', promotionId, thread: kept });
    return kept;
  }

  async threadOf(promotionId: string): Promise<MessageRef | undefined> {
    return this.threads.get(promotionId);
  }

  async threadsOf(promotionIds: readonly string[]): Promise<Map<string, MessageRef>> {
    return new Map(
      promotionIds.flatMap((id) => {
        const thread = this.threads.get(id);
        return thread ? [[id, thread] as const] : [];
      }),
    );
  }

  async threadCursor(stream: string): Promise<number> {
    return this.cursors.get(stream) ?? 0;
  }

  async advanceThreadCursor(stream: string, from: number, to: number): Promise<boolean> {
    if ((this.cursors.get(stream) ?? 0) !== from) return false;
    // Lost to a power cut, what was posted after it is posted again, as after any crash between a post and its cursor.
    await this.changeUnsynced({ kind: 'cursor', stream, seq: to });
    return true;
  }

  async unpostedStreams(limit: number): Promise<string[]> {
    return [...this.unposted].slice(0, limit);
  }

  async holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const lease = this.leases.get(name);
    if (lease && lease.holder !== holder && lease.until > now) return false;
    this.leases.set(name, { holder, until: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    // Claims are kept in the order made, so with one lifetime for all the lapsed ones are at the front: a busy bot does not scan them all.
    for (const [claimed, until] of this.claims) {
      if (until > now) break;
      this.claims.delete(claimed);
    }
    const until = this.claims.get(key);
    if (until !== undefined && until > now) return false;
    this.claims.delete(key);
    // A key cut from a request's text would keep the whole request in memory for as long as the claim lasts; keep a copy of its own.
    this.claims.set(Buffer.from(key).toString(), now + ttlMs);
    return true;
  }

  async close(): Promise<void> {
    await this.journal?.close();
    this.pidFile?.release();
  }
}
