/**
 * The outbox: keeps each promotion's chat thread in step with its audit
 * events, from whichever process recorded them. Every audit record queues an
 * outbox job; the job posts everything of that stream not yet posted, in
 * order, moving a stored cursor after each message. A crash between an audit
 * record and its message re-posts rather than loses it.
 */
import type { AuditLog } from '../core/audit.ts';
import type { AuditRecord } from '../core/audit-record.ts';
import type { Pipeline } from '../core/model.ts';
import type { Logger } from '../core/ports.ts';
import type { JobQueue, Store } from '../engine/contracts.ts';
import type { ChatOut } from './contract.ts';
import { renderEnvironmentEvent } from './render/environment-event.ts';
import { renderPromotion } from './render/promotion-message.ts';
import { renderThreadEvent } from './render/thread-event.ts';

export class ThreadPublisher {
  /** One sync per stream at a time in this process, so messages keep their order. */
  private readonly syncs = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly chat: ChatOut,
    private readonly pipeline: Pipeline,
    private readonly logger: Logger,
  ) {}

  /** Queues an outbox job for every audit record this process writes. */
  static feed(audit: AuditLog, outbox: JobQueue): () => void {
    return audit.subscribe((record) => outbox.add({ id: `thread.${record.stream}.${record.seq}`, data: { kind: 'thread', stream: record.stream } }));
  }

  /** Takes outbox jobs; run it in processes connected to chat. */
  consume(outbox: JobQueue, concurrency = 8): void {
    outbox.work(async (job) => {
      if (job.data.kind === 'thread') await this.sync(job.data.stream);
    }, { concurrency });
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
    const cursor = await this.store.threadCursor(stream);
    for (const record of await this.store.readAudit(stream, cursor)) {
      await this.publish(record);
      // Another replica posted it first: it carries on from here.
      if (!(await this.store.advanceThreadCursor(stream, record.seq - 1, record.seq))) return;
    }
  }

  private async publish(record: AuditRecord): Promise<void> {
    if (!record.promotionId) {
      const message = renderEnvironmentEvent(record);
      const environment = this.pipeline.environments.find((e) => `environment-${e.name}` === record.stream);
      if (message && environment) await this.chat.post(environment.channel, message);
      return;
    }
    const promotion = await this.store.getPromotion(record.promotionId);
    const environment = this.pipeline.environments.find((e) => e.name === promotion?.environment);
    if (!promotion || !environment) {
      this.logger.warn({ stream: record.stream, seq: record.seq }, 'audit record of an unknown promotion or environment; not posted');
      return;
    }
    if (!promotion.thread) {
      const ref = await this.chat.post(promotion.channel, renderPromotion(promotion, environment));
      await this.store.updatePromotion(promotion.id, (p) => (p.thread ? undefined : { ...p, thread: ref }));
      return;
    }
    const reply = renderThreadEvent(record, promotion);
    if (reply) await this.chat.reply(promotion.thread, reply);
    await this.chat.update(promotion.thread, renderPromotion(promotion, environment));
  }
}
