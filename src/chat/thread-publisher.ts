/**
 * Keeps each promotion's chat thread in step with its audit events: the root
 * message is posted when the promotion is requested and updated in place on
 * every event; each event also becomes a reply in the thread. Messages of one
 * thread go out in order; threads do not wait for each other.
 */
import type { AuditLog } from '../core/audit.ts';
import type { AuditRecord } from '../core/audit-record.ts';
import type { Pipeline, Promotion } from '../core/model.ts';
import type { Logger } from '../core/ports.ts';
import type { Store } from '../engine/contracts.ts';
import type { ChatOut, MessageRef } from './contract.ts';
import { renderEnvironmentEvent } from './render/environment-event.ts';
import { renderPromotion } from './render/promotion-message.ts';
import { renderThreadEvent } from './render/thread-event.ts';

export class ThreadPublisher {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly chat: ChatOut,
    private readonly pipeline: Pipeline,
    private readonly logger: Logger,
  ) {}

  attach(audit: AuditLog): () => void {
    return audit.subscribe((record) => this.enqueue(record));
  }

  enqueue(record: AuditRecord): void {
    const previous = this.chains.get(record.stream) ?? Promise.resolve();
    const next = previous
      .then(() => this.publish(record))
      .catch((error: unknown) => this.logger.error({ err: error, stream: record.stream, seq: record.seq }, 'could not post to chat'))
      .finally(() => {
        if (this.chains.get(record.stream) === next) this.chains.delete(record.stream);
      });
    this.chains.set(record.stream, next);
  }

  /** Resolves when every queued message has been posted (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private async publish(record: AuditRecord): Promise<void> {
    if (!record.promotionId) {
      const message = renderEnvironmentEvent(record);
      const environment = this.pipeline.environments.find((e) => `environment-${e.name}` === record.stream);
      if (message && environment) await this.chat.post(environment.channel, message);
      return;
    }
    const promotion = await this.store.getPromotion(record.promotionId);
    if (!promotion) return;
    const environment = this.pipeline.environments.find((e) => e.name === promotion.environment);
    if (!environment) return;
    if (!promotion.thread) {
      await this.postRoot(promotion, renderPromotion(promotion, environment));
      return;
    }
    const ref: MessageRef = promotion.thread;
    const reply = renderThreadEvent(record, promotion);
    if (reply) await this.chat.reply(ref, reply);
    await this.chat.update(ref, renderPromotion(promotion, environment));
  }

  private async postRoot(promotion: Promotion, message: ReturnType<typeof renderPromotion>): Promise<void> {
    const ref = await this.chat.post(promotion.channel, message);
    await this.store.updatePromotion(promotion.id, (p) => ({ ...p, thread: ref }));
  }
}
