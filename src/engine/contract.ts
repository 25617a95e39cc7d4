/**
 * What the core needs from an engine. The memory engine (embedded default) and
 * the Redis engine implement these and pass one shared contract suite.
 */
import type { AuditRecord } from '../core/audit-record.ts';
import type {
  ArchivedPromotion,
  Freeze,
  Ledger,
  LedgerEntry,
  Promotion,
  PromotionState,
  Release,
  MessageRef,
} from '../core/model.ts';

export interface PromotionQuery {
  environment?: string;
  states?: readonly PromotionState[];
  /** Only promotions older than this one (the last of the page before): the next page of history. */
  before?: string;
  /** Only finished promotions that finished before this time (ISO): those due for the archive. */
  finishedBefore?: string;
  /** Newest first; at most this many. */
  limit?: number;
}

/** The last record of an audit stream, which the next one is chained to. */
export interface AuditHead {
  hash: string;
  seq: number;
}

/** Builds an audit record on its stream's head (undefined for the first record). */
export type AuditBuild = (previous: AuditHead | undefined) => AuditRecord;

/** What one component of an environment runs after a change (null: nothing Baton promoted). */
export interface LedgerWrite {
  component: string;
  entry: LedgerEntry | null;
}

/**
 * What one change of a promotion writes: its new value (left out when it
 * stays as it is), the records of its audit stream that say what happened,
 * and what it changes in its environment's ledger and verified versions.
 */
export interface PromotionTransition {
  promotion?: Promotion;
  records: AuditBuild[];
  /** Ledger entries of the promotion's environment, set in the same write. */
  ledger?: LedgerWrite[];
  /** Versions that succeeded in the promotion's environment (for `requires` and `soak`); an earlier mark is kept. */
  verified?: { versions: Record<string, string>; at: string };
}

export interface Store {
  /** A short id, unique for this store: "1", "2", … */
  nextPromotionId(): Promise<string>;
  /** Creates a promotion with the first records of its audit stream, in one atomic write. */
  createPromotion(promotion: Promotion, records?: AuditBuild[]): Promise<AuditRecord[]>;
  /**
   * Promotions and audit records handed out (here, by `listPromotions`,
   * `appendAudit` and `readAudit`) are frozen all the way down: the memory
   * engine shares what it keeps instead of copying it on every read.
   */
  getPromotion(id: string): Promise<Promotion | undefined>;
  /**
   * Atomically reads, changes and writes one promotion, with the records the
   * change asks for appended to its audit stream and the ledger entries and
   * verified marks it makes, all in one write: a crash leaves the change and
   * its records, or neither, never a step recorded as done with no record of
   * it. `change` returns undefined to write nothing; it may run more than
   * once when another writer got there first, so it must not have side
   * effects. Records are built on the head as the write finds it. What
   * `change` receives and what this returns are frozen all the way down (the
   * engine keeps them): build the new value with spreads. Returns the
   * promotion as it is afterwards and the records appended. Only the core's
   * transition gate calls it.
   */
  transitionPromotion(
    id: string,
    change: (current: Promotion) => PromotionTransition | undefined,
  ): Promise<{ promotion: Promotion; records: AuditRecord[] }>;
  listPromotions(query?: PromotionQuery): Promise<Promotion[]>;

  /**
   * Replaces a finished promotion by what `archived` keeps of it, in one
   * atomic write: the promotion, its audit stream, its thread and its thread
   * cursor go, the archived entry stays, and `record` (built on the head of
   * Baton's own stream, which it is appended to) says so in a hash chain.
   * Writes nothing and returns undefined when the promotion is gone or unfinished, when its
   * stream no longer ends at `archived.audit` (a record came after the bundle
   * was made), or when chat has not been told all of it yet.
   */
  archivePromotion(archived: ArchivedPromotion, record: AuditBuild): Promise<AuditRecord | undefined>;
  /** What is left of an archived promotion. */
  archivedPromotion(id: string): Promise<ArchivedPromotion | undefined>;

  /** What one environment runs, by component; the entries are frozen, shared rather than copied. */
  getLedger(environment: string): Promise<Ledger>;
  /** When this version of the component first succeeded in the environment. */
  verifiedAt(environment: string, component: string, version: string): Promise<string | undefined>;

  /** Takes the environment for a promotion; returns whoever holds it afterwards. */
  lockEnvironment(environment: string, promotionId: string): Promise<string>;
  /** Gives the environment back if this promotion holds it. */
  unlockEnvironment(environment: string, promotionId: string): Promise<void>;
  lockHolder(environment: string): Promise<string | undefined>;

  setFreeze(freeze: Freeze): Promise<void>;
  clearFreeze(environment: string): Promise<Freeze | undefined>;
  listFreezes(): Promise<Freeze[]>;

  saveRelease(release: Release): Promise<void>;
  getRelease(name: string): Promise<Release | undefined>;

  /**
   * Appends to an audit stream atomically: `build` receives the hash of the
   * last record (or undefined for the first) and its sequence number.
   */
  appendAudit(stream: string, build: AuditBuild): Promise<AuditRecord>;
  /** A stream's records in order; with `afterSeq`, only those after it. */
  readAudit(stream: string, afterSeq?: number): Promise<AuditRecord[]>;

  /**
   * Notes where a promotion's chat thread lives, once its plan message is
   * posted. The first note stands and is what this returns, so bots that
   * posted at once agree on one thread. Archiving the promotion forgets it.
   */
  noteThread(promotionId: string, thread: MessageRef): Promise<MessageRef>;
  /** Where a promotion's chat thread lives; undefined until its plan message is posted. */
  threadOf(promotionId: string): Promise<MessageRef | undefined>;
  /** The threads of many promotions in one read, by promotion id; those without one are left out. */
  threadsOf(promotionIds: readonly string[]): Promise<Map<string, MessageRef>>;
  /** The last audit record of a stream that has been posted to chat (0 for none). */
  threadCursor(stream: string): Promise<number>;
  /** Moves the cursor from `from` to `to` if nobody moved it first; false otherwise. */
  advanceThreadCursor(stream: string, from: number, to: number): Promise<boolean>;
  /**
   * Streams with records past their thread cursor, those behind longest
   * first, at most `limit`: how the outbox finds records whose nudge a crash
   * lost, in any stream, however old.
   */
  unpostedStreams(limit: number): Promise<string[]>;

  /**
   * True for the first claim of `key` within `ttlMs`, across every process
   * sharing the store: a chat request delivered twice, to any bot, acts once.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;

  /**
   * Takes the lease `name` for `holder` when it is free or has lapsed, or
   * renews it when `holder` has it; false while another holds it. What only
   * one process may do at a time (hold Discord's gateway) goes by it.
   */
  holdLease(name: string, holder: string, ttlMs: number): Promise<boolean>;

  /** Lets go of a lease `holder` has, so that another takes it at once. */
  releaseLease(name: string, holder: string): Promise<void>;

  close(): Promise<void>;
}

/** What readers outside the core (chat commands) may ask of the records: reads, never writes. */
export type RecordsQuery = Pick<
  Store,
  | 'getPromotion'
  | 'listPromotions'
  | 'getLedger'
  | 'verifiedAt'
  | 'lockHolder'
  | 'listFreezes'
  | 'getRelease'
  | 'archivedPromotion'
>;

export type JobData =
  | { kind: 'plan'; promotionId: string }
  | { kind: 'step'; promotionId: string; stepId: string }
  /** Undo one step of a promotion being rolled back. */
  | { kind: 'rollback'; promotionId: string; stepId: string }
  /** Post an audit stream's new records to chat (the outbox). */
  | { kind: 'thread'; stream: string }
  /** Edit a promotion's plan message to show the promotion as it is now (the outbox, on the edits' own budget). */
  | { kind: 'root'; promotionId: string };

export interface Job {
  /** Unique; adding a job whose id is already queued or running does nothing. */
  id: string;
  data: JobData;
  /** Set by the queue for its handler: when the job became ready to run (ms since the epoch), for the queue wait it reports. */
  readyAt?: number;
  /**
   * Set by a queue shared between processes: fires when this process learns
   * that its hold on the job lapsed (renewing its lock found it gone), after
   * which another process may run the job. A process cut off from the queue
   * learns nothing until it is back. Absent where one process holds its jobs
   * for good.
   */
  claim?: AbortSignal;
}

/**
 * How long a job nudged while another run of its id is going waits before it
 * runs. A second matches chat platforms' pace of about one message a second
 * per channel, so it costs a burst no time there, and the burst reaches chat
 * in fewer, fuller messages.
 */
export const DEFAULT_NUDGE_DELAY_MS = 1000;

export type JobHandler = (job: Job) => Promise<void>;

export interface NudgeOptions {
  /**
   * The run starts no sooner than this (a budget that refills later): when
   * none is queued, the run queued now waits this long; one already queued
   * runs when it was to.
   */
  delayMs?: number;
}

export interface JobQueue {
  /** True when queued and running jobs survive a restart of this process. */
  readonly durable: boolean;
  add(job: Job): Promise<void>;
  /**
   * Queues a job that does whatever is pending under its id when it runs (post
   * a stream's new records, say). While one with this id waits, this does
   * nothing; while one runs, one more is queued to start the engine's nudge
   * delay after it, gathering the nudges that follow. So a burst costs one or
   * two runs, runs of one id never overlap, and whatever was pending when this
   * was called is seen by a run that starts later. Nudges of one id carry the
   * same data.
   */
  nudge(job: Job, options?: NudgeOptions): Promise<void>;
  /** Starts taking jobs; a handler that throws has its job tried again later. */
  work(handler: JobHandler, options: { concurrency: number }): void;
  /** How many jobs wait to start (queued or delayed, not running), across every process sharing the queue. */
  depth(): Promise<number>;
  /** Resolves when no job is queued or running (for tests and shutdown). */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export interface EngineHealth {
  ready: boolean;
  /** What is wrong, in words for an operator, when not ready. */
  detail: string;
}

export interface Engine {
  name: string;
  /** What the engine mended when it opened its records (a journal line a crash tore), in words for an operator. */
  repaired?: string;
  /** Whether the engine can take requests now (for readiness probes and replies). */
  health(): Promise<EngineHealth>;
  store: Store;
  /** Planning, steps and rollbacks: taken by any worker. */
  queue: JobQueue;
  /** Chat messages to post: taken only by processes connected to chat. */
  outbox: JobQueue;
}
