/**
 * The outbox: keeps each promotion's chat thread in step with its audit
 * events, from whichever process recorded them. Every audit record nudges its
 * stream's outbox job; the job posts everything of that stream not yet posted, in
 * order, moving a stored cursor after each message. A crash between an audit
 * record and its message re-posts rather than loses it; one between the record
 * and its nudge is caught by a sweep of the streams the store knows to be
 * behind, when a bot starts consuming and every minute after. A burst (40 steps
 * finishing at once) goes in as few replies as the platform's limits allow,
 * each record still in them; messages to a channel are paced, a 429 is waited
 * out, and a channel Baton cannot post to keeps its records until it can.
 * The plan message is edited on a budget of its own (see RootUpdatePacer).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BATON_STREAM, environmentStream, type AuditLog } from '../core/audit.ts';
import type { AuditRecord } from '../core/audit-record.ts';
import type { Pipeline, Promotion, MessageRef } from '../core/model.ts';
import type { Logger } from '../core/capabilities.ts';
import type { Job, JobQueue, Store } from '../engine/contract.ts';
import {
  ChatChannelUnusableError,
  ChatMessageGoneError,
  ChatRateLimitedError,
  ChatUnavailableError,
} from '../errors.ts';
import { ChannelPacer } from './channel-pacer.ts';
import { ChannelProblems } from './channel-problems.ts';
import type { ChatOut } from './contract.ts';
import { channelText, type ChatMessage } from './message.ts';
import { UNPACED, type ChatPace } from './pace.ts';
import { packReplies } from './reply-packing.ts';
import { renderEnvironmentEvent } from './render/environment-event.ts';
import { renderPromotion } from './render/promotion-message.ts';
import { renderThreadEvent } from './render/thread-event.ts';
import { RootUpdatePacer } from './root-updates.ts';

/** How often streams are checked for records nobody nudged, and a channel that failed is tried again. */
const SWEEP_INTERVAL_MS = 60_000;
/** How many streams, those behind longest first, one sweep nudges. */
const SWEPT_STREAMS = 100;

/** How long a plan-message edit the platform failed for now (a 5xx, a timeout) waits before it is tried again. */
const ROOT_RETRY_MS = 15_000;
/** Without a queue, the longest wait for an edit's budget spent in place. */
const DIRECT_WAIT_MS = 10_000;

/** After a restart of the embedded engine, plan messages of promotions changed this recently are brought up to date once. */
const RECENT_CHANGE_MS = 10 * 60_000;

const PROMOTION_STREAM = /^promotion-(.+)$/;

function threadJob(stream: string): Job {
  return { id: `thread.${stream}`, data: { kind: 'thread', stream } };
}

/** The key a promotion's thread's own problems are noted under, as /promote status shows it. */
function threadKeyOf(promotion: Promotion): string {
  return `the thread of promotion #${promotion.id} in ${channelText(promotion.channel)}`;
}

/** A job of its own, so that an edit waiting for its budget never holds a thread's replies back. */
function rootJob(promotionId: string): Job {
  return { id: `root.${promotionId}`, data: { kind: 'root', promotionId } };
}

export interface PublisherOptions {
  /** How fast the platform may be written to; none for a platform without limits. */
  pace?: ChatPace;
  /** How often unposted streams are swept and a failing channel is tried again. */
  sweepEveryMs?: number;
  /** Where channels that cannot be posted to are noted (shown in /readyz and /promote status). */
  problems?: ChannelProblems;
}

/** The channel a stream posts to failed for good; its records stay unposted. */
class ChannelHeldBack extends Error {}

export class ThreadPublisher {
  /** One sync per stream at a time in this process, so messages keep their order. */
  private readonly syncs = new Map<string, Promise<void>>();
  private readonly pacer: ChannelPacer;
  private readonly roots: RootUpdatePacer;
  private readonly sweepEveryMs: number;
  readonly problems: ChannelProblems;
  /** Streams already said to have no channel here: said once, not at every sweep. */
  private readonly unknownStreams = new Set<string>();
  /** Set while consuming: a root edit that must wait is asked for again through it. */
  private outbox: JobQueue | undefined;

  constructor(
    private readonly store: Store,
    private readonly chat: ChatOut,
    private readonly pipeline: Pipeline,
    private readonly logger: Logger,
    options: PublisherOptions = {},
  ) {
    const pace = options.pace ?? UNPACED;
    this.pacer = new ChannelPacer(pace.channel);
    this.roots = new RootUpdatePacer(pace);
    this.sweepEveryMs = options.sweepEveryMs ?? SWEEP_INTERVAL_MS;
    this.problems = options.problems ?? new ChannelProblems(logger, this.sweepEveryMs);
  }

  /**
   * Nudges the stream's outbox job for every audit record this process
   * writes: a burst of records is posted by one run, which reads everything
   * past the cursor.
   */
  static feed(audit: AuditLog, outbox: JobQueue): () => void {
    return audit.subscribe((record) => outbox.nudge(threadJob(record.stream)));
  }

  /**
   * Takes outbox jobs; run it in processes connected to chat. Returns what
   * stops the sweeps for records nobody nudged (see `nudgeUnposted`).
   */
  consume(outbox: JobQueue, concurrency = 8): () => void {
    this.outbox = outbox;
    outbox.work(
      async (job) => {
        if (job.data.kind === 'thread') await this.sync(job.data.stream);
        if (job.data.kind === 'root') await this.updateRoot(job.data.promotionId);
      },
      { concurrency },
    );
    // The embedded outbox forgets its jobs on a restart, a plan message's edit waiting its turn with them.
    if (!outbox.durable)
      void this.nudgeRecentlyChanged(outbox).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not bring recent plan messages up to date'),
      );
    const sweep = () =>
      void this.nudgeUnposted(outbox).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not check recent threads for unposted records'),
      );
    sweep();
    const timer = setInterval(sweep, this.sweepEveryMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Nudges the outbox job of every stream with records past its cursor. A
   * process that died between writing a record and nudging its stream left
   * them there, and if no later record came (a finished promotion, a freeze)
   * nothing else would nudge it.
   */
  private async nudgeUnposted(outbox: JobQueue): Promise<void> {
    const streams = await this.store.unpostedStreams(SWEPT_STREAMS);
    await Promise.all(streams.map((stream) => outbox.nudge(threadJob(stream))));
  }

  private async nudgeRecentlyChanged(outbox: JobQueue): Promise<void> {
    const since = Date.now() - RECENT_CHANGE_MS;
    const recent = (await this.store.listPromotions({ limit: SWEPT_STREAMS })).filter(
      (p) => Date.parse(p.updatedAt) >= since,
    );
    const threads = await this.store.threadsOf(recent.map((p) => p.id));
    await Promise.all(recent.filter((p) => threads.has(p.id)).map((p) => outbox.nudge(rootJob(p.id))));
  }

  sync(stream: string): Promise<void> {
    const previous = this.syncs.get(stream) ?? Promise.resolve();
    const next = previous.then(() => this.postPending(stream));
    const settled = next.catch(() => {});
    this.syncs.set(stream, settled);
    void settled.then(() => {
      if (this.syncs.get(stream) === settled) this.syncs.delete(stream);
    });
    return next;
  }

  private async postPending(stream: string): Promise<void> {
    const promotionId = PROMOTION_STREAM.exec(stream)?.[1];
    try {
      if (promotionId) await this.postPromotion(stream, promotionId);
      else await this.postEnvironment(stream);
    } catch (error) {
      if (!(error instanceof ChannelHeldBack)) throw error;
    }
  }

  /**
   * Sends one message to `channel` through its pacer, noting whether the
   * channel works; `thread` names the one thread a reply goes to, which can
   * fail on its own (archived, locked, deleted) without holding back the rest.
   */
  private async send<T>(channel: string, call: () => Promise<T>, thread?: string): Promise<T> {
    try {
      const result = await this.pacer.send(channel, call);
      this.problems.worked(channel);
      if (thread) this.problems.worked(thread);
      return result;
    } catch (error) {
      if (!(error instanceof ChatChannelUnusableError)) throw error;
      this.problems.failed(error.scope === 'thread' && thread ? thread : channel, error);
      throw new ChannelHeldBack();
    }
  }

  private async postEnvironment(stream: string): Promise<void> {
    const environment = this.pipeline.environments.find((e) => environmentStream(e.name) === stream);
    const cursor = await this.store.threadCursor(stream);
    const pending = await this.store.readAudit(stream, cursor);
    if (!environment) return this.cannotPost(stream, cursor, pending);
    if (pending.length === 0 || this.problems.holdsBack(environment.channel)) return;
    const post = async (message: ChatMessage) => {
      await this.send(environment.channel, () => this.chat.post(environment.channel, message));
    };
    await this.postBatches(
      stream,
      cursor,
      packReplies(pending, renderEnvironmentEvent, (m) => this.chat.fits(m)),
      post,
    );
  }

  /**
   * Records with no channel known to this bot. Baton's own stream has none:
   * the cursor moves past it, so the sweep stops finding it. An environment
   * this bot's config does not name may be one a newer bot's does (a rolling
   * upgrade): its records stay for that bot, and are said once here.
   */
  private async cannotPost(stream: string, cursor: number, pending: AuditRecord[]): Promise<void> {
    const last = pending.at(-1)?.seq;
    if (last === undefined) return;
    if (stream === BATON_STREAM) {
      await this.store.advanceThreadCursor(stream, cursor, last);
      return;
    }
    if (this.unknownStreams.has(stream)) return;
    this.unknownStreams.add(stream);
    this.logger.warn(
      { stream, seq: pending[0]?.seq },
      'audit records of a promotion or environment this config does not name; kept unposted for a bot whose config does',
    );
  }

  /** Posts batches in order, moving the cursor past each; stops where another replica got there first. */
  private async postBatches(
    stream: string,
    from: number,
    batches: { records: AuditRecord[]; message: ChatMessage | undefined }[],
    post: (message: ChatMessage) => Promise<void>,
  ): Promise<boolean> {
    let cursor = from;
    for (const batch of batches) {
      if (batch.message) await post(batch.message);
      const to = batch.records.at(-1)?.seq ?? cursor;
      if (!(await this.store.advanceThreadCursor(stream, cursor, to))) return false;
      cursor = to;
    }
    return true;
  }

  /**
   * Posts a promotion's records: the first opens its thread with the plan
   * message, the rest are replies in it; then the plan message is brought up
   * to date on its own budget. The promotion is read after its records, so it
   * is at least as new as they are.
   */
  private async postPromotion(stream: string, promotionId: string): Promise<void> {
    const cursor = await this.store.threadCursor(stream);
    const pending = await this.store.readAudit(stream, cursor);
    const [promotion, noted] = await Promise.all([
      this.store.getPromotion(promotionId),
      this.store.threadOf(promotionId),
    ]);
    const environment = this.pipeline.environments.find((e) => e.name === promotion?.environment);
    if (!promotion || !environment) return this.cannotPost(stream, cursor, pending);
    const channel = promotion.channel;
    const threadKey = threadKeyOf(promotion);
    if (this.problems.holdsBack(channel) || this.problems.holdsBack(threadKey)) return;
    let rest = pending;
    let from = cursor;
    let thread = noted;
    if (!thread && rest[0]) {
      const opening = rest[0];
      const message = renderPromotion(promotion, environment);
      const ref = await this.send(channel, () => this.chat.post(channel, message));
      thread = await this.store.noteThread(promotion.id, ref);
      this.roots.showed(ref, message);
      if (!(await this.store.advanceThreadCursor(stream, from, opening.seq))) return;
      from = opening.seq;
      rest = rest.slice(1);
    }
    if (!thread) return;
    const batches = packReplies(
      rest,
      (record) => renderThreadEvent(record, promotion),
      (m) => this.chat.fits(m),
    );
    const reply = async (message: ChatMessage) => {
      await this.send(channel, () => this.chat.reply(thread, message), threadKey);
    };
    if (!(await this.postBatches(stream, from, batches, reply))) return;
    if (this.outbox) await this.outbox.nudge(rootJob(promotionId));
    else await this.updateRoot(promotionId);
  }

  /**
   * Edits the plan message to show the promotion as it is now, if that
   * changed and the budget allows; otherwise asks for its own job again when
   * the budget will, and that run (however many ask meanwhile) sends the
   * latest state.
   */
  private async updateRoot(promotionId: string): Promise<void> {
    for (;;) {
      const [promotion, thread] = await Promise.all([
        this.store.getPromotion(promotionId),
        this.store.threadOf(promotionId),
      ]);
      const environment = this.pipeline.environments.find((e) => e.name === promotion?.environment);
      if (!promotion || !environment || !thread) return;
      const message = renderPromotion(promotion, environment);
      if (this.roots.shows(thread, message)) return;
      const decision = this.problems.holdsBack(promotion.channel)
        ? ({ kind: 'later', waitMs: this.sweepEveryMs } as const)
        : this.roots.decide(thread, message);
      if (decision.kind === 'unchanged') return;
      const againInMs =
        decision.kind === 'later'
          ? decision.waitMs
          : await this.editRoot(promotion.channel, thread, message, promotion);
      if (againInMs === 0) return;
      if (this.outbox) return this.outbox.nudge(rootJob(promotionId), { delayMs: againInMs });
      // Called directly (no queue to ask later): wait out a budget, not a platform outage.
      if (againInMs > DIRECT_WAIT_MS) return;
      await sleep(againInMs);
    }
  }

  /**
   * Edits go on the root budget, not the channel's. Returns 0 when done, or
   * how long until the edit is tried again: a 429's Retry-After, a pause
   * after a 5xx or a timeout, the sweep interval for a channel that fails.
   */
  private async editRoot(
    channel: string,
    thread: MessageRef,
    message: ChatMessage,
    promotion: Promotion,
  ): Promise<number> {
    try {
      await this.chat.update(thread, message);
      this.problems.worked(channel);
      this.roots.showed(thread, message);
      return 0;
    } catch (error) {
      if (error instanceof ChatRateLimitedError) {
        this.roots.rateLimited(error.retryAfterMs);
        return error.retryAfterMs;
      }
      if (error instanceof ChatUnavailableError) {
        this.logger.warn(
          { promotion: promotion.id, err: error.message },
          `could not update the plan message of promotion #${promotion.id}; trying again`,
        );
        return Math.min(ROOT_RETRY_MS, this.sweepEveryMs);
      }
      if (error instanceof ChatChannelUnusableError) {
        this.problems.failed(channel, error);
        return this.sweepEveryMs;
      }
      if (!(error instanceof ChatMessageGoneError)) throw error;
      // Someone deleted it; the thread still has every record.
      this.logger.warn(
        { promotion: promotion.id, channel },
        `the plan message of promotion #${promotion.id} is gone (deleted?); its thread still has every record`,
      );
      this.roots.showed(thread, message);
      return 0;
    }
  }
}
