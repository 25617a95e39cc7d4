/**
 * The outbox: keeps each promotion's chat thread in step with its audit
 * events, from whichever process recorded them. Every audit record nudges its
 * stream's outbox job; the job posts everything of that stream not yet posted, in
 * order, moving a stored cursor after each message. A crash between an audit
 * record and its message re-posts rather than loses it; one between the record
 * and its nudge is caught by a sweep of the streams the store knows to be
 * behind, when a bot starts consuming and every minute after. A burst (40 steps
 * finishing at once) is coalesced into a few replies, each record still in
 * them; messages to a channel are paced, and a 429 is waited out.
 */
import { environmentStream, type AuditLog } from '../core/audit.ts';
import type { AuditRecord } from '../core/audit-record.ts';
import type { Pipeline } from '../core/model.ts';
import type { Logger } from '../core/ports.ts';
import type { Job, JobQueue, Store } from '../engine/contracts.ts';
import { ChannelPacer } from './channel-pacer.ts';
import type { ChatOut } from './contract.ts';
import type { ChatMessage } from './message.ts';
import { renderEnvironmentEvent } from './render/environment-event.ts';
import { renderPromotion } from './render/promotion-message.ts';
import { isClickNoise, renderThreadEvent } from './render/thread-event.ts';

/** Enough to coalesce a burst, few enough to stay well inside a platform's block limits. */
const RECORDS_PER_REPLY = 8;

/** How often streams are checked for records nobody nudged. */
const SWEEP_INTERVAL_MS = 60_000;
/** How many streams, those behind longest first, one sweep nudges. */
const SWEPT_STREAMS = 100;

function threadJob(stream: string): Job {
  return { id: `thread.${stream}`, data: { kind: 'thread', stream } };
}

export interface PublisherOptions {
  /** Least time between two messages to one channel; 0 for a platform without limits. */
  minIntervalMs?: number;
}

function combine(messages: ChatMessage[]): ChatMessage | undefined {
  if (messages.length <= 1) return messages[0];
  const tones = messages.map((m) => m.tone);
  const tone = tones.includes('bad') ? 'bad' : tones.includes('warning') ? 'warning' : (tones.at(-1) ?? 'neutral');
  return { text: messages.map((m) => m.text).join('\n'), tone, blocks: messages.flatMap((m) => m.blocks) };
}

export class ThreadPublisher {
  /** One sync per stream at a time in this process, so messages keep their order. */
  private readonly syncs = new Map<string, Promise<void>>();
  private readonly pacer: ChannelPacer;

  constructor(
    private readonly store: Store,
    private readonly chat: ChatOut,
    private readonly pipeline: Pipeline,
    private readonly logger: Logger,
    options: PublisherOptions = {},
  ) {
    this.pacer = new ChannelPacer(options.minIntervalMs ?? 0);
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
    outbox.work(async (job) => {
      if (job.data.kind === 'thread') await this.sync(job.data.stream);
    }, { concurrency });
    const sweep = () => void this.nudgeUnposted(outbox).catch((error: unknown) => this.logger.warn({ err: error }, 'could not check recent threads for unposted records'));
    sweep();
    const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
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
    let cursor = await this.store.threadCursor(stream);
    const pending = await this.store.readAudit(stream, cursor);
    // The first record of a promotion opens its thread on its own; the rest go in batches.
    const batches: AuditRecord[][] = [];
    for (const record of pending) {
      const last = batches.at(-1);
      if (last && last.length < RECORDS_PER_REPLY && last[0]?.seq !== 1) last.push(record);
      else batches.push([record]);
    }
    const promotionId = pending[0]?.promotionId;
    const post = promotionId ? await this.promotionPoster(stream, promotionId) : this.environmentPoster(stream);
    // Clicks refused or repeated change nothing the root message shows.
    const changesRoot = pending.some((record) => !isClickNoise(record));
    for (const [index, batch] of batches.entries()) {
      await post(batch, changesRoot && index === batches.length - 1);
      const to = batch.at(-1)?.seq ?? cursor;
      // Another replica posted these first: it carries on from here.
      if (!(await this.store.advanceThreadCursor(stream, cursor, to))) return;
      cursor = to;
    }
  }

  private environmentPoster(stream: string): (records: AuditRecord[]) => Promise<void> {
    const environment = this.pipeline.environments.find((e) => environmentStream(e.name) === stream);
    return async (records) => {
      const message = combine(records.flatMap((r) => renderEnvironmentEvent(r) ?? []));
      if (message && environment) await this.pacer.send(environment.channel, () => this.chat.post(environment.channel, message));
    };
  }

  /**
   * Posts a promotion's records: the first opens its thread, the rest are
   * replies in it. The promotion is read once per run, after its records, so
   * it is at least as new as they are; its message is updated once, with the
   * last batch and before the cursor passes it, so a crash re-does the update.
   */
  private async promotionPoster(stream: string, promotionId: string): Promise<(records: AuditRecord[], last: boolean) => Promise<void>> {
    let promotion = await this.store.getPromotion(promotionId);
    const environment = this.pipeline.environments.find((e) => e.name === promotion?.environment);
    return async (records, last) => {
      if (!promotion || !environment) {
        this.logger.warn({ stream, seq: records[0]?.seq }, 'audit records of an unknown promotion or environment; not posted');
        return;
      }
      const current = promotion;
      const channel = current.channel;
      if (!current.thread) {
        const ref = await this.pacer.send(channel, () => this.chat.post(channel, renderPromotion(current, environment)));
        promotion = await this.store.setThread(current.id, ref);
        return;
      }
      const thread = current.thread;
      const reply = combine(records.flatMap((r) => renderThreadEvent(r, current) ?? []));
      if (reply) await this.pacer.send(channel, () => this.chat.reply(thread, reply));
      if (last) await this.pacer.send(channel, () => this.chat.update(thread, renderPromotion(current, environment)));
    };
  }
}
