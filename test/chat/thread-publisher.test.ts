/**
 * The outbox against a chat stand-in that rate-limits like Slack (429 with
 * Retry-After): a burst is coalesced, every event is still in the thread, in
 * order, and nothing is dropped.
 */
import type { MessageRef } from '../../src/core/model.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ThreadPublisher } from '../../src/chat/thread-publisher.ts';
import type { ChatOut } from '../../src/chat/contract.ts';
import type { ChatMessage } from '../../src/chat/message.ts';
import { AuditLog } from '../../src/core/audit.ts';
import { sealAuditRecord } from '../../src/core/audit-record.ts';
import { createMemoryEngine } from '../../src/engine/memory/index.ts';
import { ChatRateLimitedError } from '../../src/errors.ts';
import { samplePromotion } from '../engine/contract-suite.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { TestClock } from '../support/test-clock.ts';
import { coreHarness } from '../support/core-harness.ts';

/** Records what was posted; answers 429 to every `limitEvery`-th call. */
class RateLimitedChat implements ChatOut {
  readonly posts: { channel: string; message: ChatMessage }[] = [];
  readonly replies: ChatMessage[] = [];
  /** The thread each reply went to. */
  readonly repliedTo: MessageRef[] = [];
  readonly updates: number[] = [];
  rejected = 0;
  private calls = 0;

  constructor(private readonly limitEvery: number) {}

  private gate(): void {
    this.calls += 1;
    if (this.calls % this.limitEvery === 0) {
      this.rejected += 1;
      throw new ChatRateLimitedError(30);
    }
  }

  async post(channel: string, message: ChatMessage): Promise<MessageRef> {
    this.gate();
    this.posts.push({ channel, message });
    return { channel, messageId: `m${this.posts.length}` };
  }

  async update(): Promise<void> {
    this.gate();
    this.updates.push(Date.now());
  }

  async reply(thread: MessageRef, message: ChatMessage): Promise<MessageRef> {
    this.gate();
    this.replies.push(message);
    this.repliedTo.push(thread);
    return { channel: '#deploys', messageId: `r${this.replies.length}` };
  }

  /** Like a platform that takes at most 20 lines in one message. */
  fits(message: ChatMessage): boolean {
    return message.text.split('\n').length <= 20;
  }
}

const ONE_COMPONENT_IN_DEV = `
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake }
`;

describe('the outbox', () => {
  it('coalesces a burst of 40 step results into a few replies and one update of the plan, in order, through 429s', async () => {
    const { pipeline } = coreHarness(`
version: 1
environments: [{ name: dev, channel: "#deploys" }]
components:
  api: { adapter: fake }
`);
    const engine = createMemoryEngine({ logger: silentLogger });
    const audit = new AuditLog(engine.store, new TestClock(), silentLogger);
    const chat = new RateLimitedChat(4);
    const publisher = new ThreadPublisher(engine.store, chat, pipeline, silentLogger, {
      pace: { channel: { burst: 1, perSecond: 200 }, rootEveryMs: 0 },
    });
    await engine.store.createPromotion(samplePromotion('1', { environment: 'dev' }));
    await audit.record('promotion-1', {
      type: 'promotion.requested',
      actor: 'alice',
      summary: 'alice requested it',
      promotionId: '1',
    });
    await publisher.sync('promotion-1');
    for (let i = 1; i <= 40; i += 1) {
      await audit.record('promotion-1', {
        type: 'step.succeeded',
        actor: 'baton',
        summary: `step ${i} succeeded.`,
        promotionId: '1',
      });
    }
    await engine.store.transitionPromotion('1', (current) => ({
      promotion: { ...current, state: 'succeeded' },
      records: [],
    }));
    await publisher.sync('promotion-1');

    expect(chat.posts).toHaveLength(1);
    const lines = chat.replies.flatMap((reply) => reply.text.split('\n'));
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `step ${i + 1} succeeded.`));
    // As many records in a reply as the platform takes whole: 40 lines in two replies of 20.
    expect(chat.replies.map((reply) => reply.text.split('\n').length)).toEqual([20, 20]);
    // The plan message is brought up to date once for the whole burst, not once per reply.
    expect(chat.updates).toHaveLength(1);
    expect(chat.rejected).toBeGreaterThan(0);
    expect(await engine.store.threadCursor('promotion-1')).toBe(41);
  });

  it("posts, once it starts consuming, records a process wrote but died before nudging their stream for, a promotion's or an environment's", async () => {
    const { pipeline } = coreHarness(ONE_COMPONENT_IN_DEV);
    const engine = createMemoryEngine({ logger: silentLogger });
    // Written straight to the store: no audit log, so no nudge, as after a crash between the two.
    await engine.store.createPromotion(samplePromotion('1', { environment: 'dev', state: 'succeeded' }));
    const at = '2026-11-01T10:00:00.000Z';
    const events = [
      { type: 'promotion.requested', actor: 'alice', summary: 'alice requested it', promotionId: '1' },
      { type: 'promotion.succeeded', actor: 'baton', summary: 'Promotion #1 succeeded.', promotionId: '1' },
    ] as const;
    for (const event of events)
      await engine.store.appendAudit('promotion-1', (previous) => sealAuditRecord('promotion-1', event, previous, at));
    const frozen = { type: 'environment.frozen', actor: 'bob', summary: 'bob froze dev: incident' } as const;
    await engine.store.appendAudit('environment-dev', (previous) =>
      sealAuditRecord('environment-dev', frozen, previous, at),
    );
    const chat = new RateLimitedChat(1000);
    const stopSweeping = new ThreadPublisher(engine.store, chat, pipeline, silentLogger).consume(engine.outbox);
    await vi.waitFor(async () => expect(await engine.store.unpostedStreams(10)).toEqual([]));
    stopSweeping();
    expect(await engine.store.threadCursor('promotion-1')).toBe(2);
    expect(chat.posts.map((p) => p.message.text)).toEqual([expect.stringContaining('#1'), 'bob froze dev: incident']);
    expect(chat.replies.map((r) => r.text)).toEqual(['Promotion #1 succeeded.']);
  });

  it('posts only what is new when synced again, and nothing twice', async () => {
    const { pipeline } = coreHarness(ONE_COMPONENT_IN_DEV);
    const engine = createMemoryEngine({ logger: silentLogger });
    const audit = new AuditLog(engine.store, new TestClock(), silentLogger);
    const chat = new RateLimitedChat(1000);
    const publisher = new ThreadPublisher(engine.store, chat, pipeline, silentLogger);
    await engine.store.createPromotion(samplePromotion('1', { environment: 'dev' }));
    await audit.record('promotion-1', {
      type: 'promotion.requested',
      actor: 'alice',
      summary: 'requested',
      promotionId: '1',
    });
    await audit.record('promotion-1', {
      type: 'step.started',
      actor: 'baton',
      summary: 'Started api 1.',
      promotionId: '1',
    });
    await Promise.all([publisher.sync('promotion-1'), publisher.sync('promotion-1')]);
    await audit.record('promotion-1', {
      type: 'step.succeeded',
      actor: 'baton',
      summary: 'api 1 succeeded.',
      promotionId: '1',
    });
    await publisher.sync('promotion-1');
    expect(chat.replies.map((r) => r.text)).toEqual(['Started api 1.', 'api 1 succeeded.']);
  });

  it('replies in the thread it opened after a restart, and opens no other', async () => {
    const { pipeline } = coreHarness(ONE_COMPONENT_IN_DEV);
    const dataDir = await mkdtemp(join(tmpdir(), 'baton-outbox-'));
    try {
      const chat = new RateLimitedChat(1000);
      const before = createMemoryEngine({ dataDir, logger: silentLogger });
      await before.store.createPromotion(samplePromotion('1', { environment: 'dev' }));
      const event = (summary: string) => ({ type: 'step.started' as const, actor: 'baton', summary, promotionId: '1' });
      await new AuditLog(before.store, new TestClock(), silentLogger).record('promotion-1', event('requested'));
      await new ThreadPublisher(before.store, chat, pipeline, silentLogger).sync('promotion-1');
      await before.store.close();

      const after = createMemoryEngine({ dataDir, logger: silentLogger });
      await new AuditLog(after.store, new TestClock(), silentLogger).record('promotion-1', event('Started api 1.'));
      await new ThreadPublisher(after.store, chat, pipeline, silentLogger).sync('promotion-1');
      await after.store.close();
      expect(chat.posts).toHaveLength(1);
      expect(chat.replies.map((r) => r.text)).toEqual(['Started api 1.']);
      expect(chat.repliedTo).toEqual([{ channel: '#deploys', messageId: 'm1' }]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('brings the plan messages of promotions changed in the last minutes up to date once when the embedded outbox, which forgets its jobs, starts again', async () => {
    const { pipeline } = coreHarness(ONE_COMPONENT_IN_DEV);
    const engine = createMemoryEngine({ logger: silentLogger });
    const thread = { channel: '#deploys', messageId: 'm1' };
    const recent = new Date(Date.now() - 60_000).toISOString();
    // A plan message whose last edit a restart cut off: the promotion finished, its records were posted, its plan still shows it running.
    await engine.store.createPromotion(
      samplePromotion('1', { environment: 'dev', state: 'succeeded', updatedAt: recent }),
    );
    await engine.store.noteThread('1', thread);
    await engine.store.createPromotion(samplePromotion('2', { environment: 'dev', state: 'succeeded' }));
    await engine.store.noteThread('2', { ...thread, messageId: 'm2' });
    // Changed recently, but its plan was never posted: nothing to edit.
    await engine.store.createPromotion(
      samplePromotion('3', { environment: 'dev', state: 'succeeded', updatedAt: recent }),
    );
    const chat = new RateLimitedChat(1000);
    const stopSweeping = new ThreadPublisher(engine.store, chat, pipeline, silentLogger).consume(engine.outbox);
    await vi.waitFor(() => expect(chat.updates).toHaveLength(1));
    await engine.outbox.drained();
    stopSweeping();
    // The one changed long ago is left alone; nothing is posted again.
    expect(chat.updates).toHaveLength(1);
    expect(chat.posts).toEqual([]);
  });

  it("moves past records with nowhere to post them (Baton's own stream), so the sweep stops finding them", async () => {
    const { pipeline } = coreHarness(ONE_COMPONENT_IN_DEV);
    const engine = createMemoryEngine({ logger: silentLogger });
    const audit = new AuditLog(engine.store, new TestClock(), silentLogger);
    await audit.record('baton', {
      type: 'journal.repaired',
      actor: 'baton',
      summary: 'Baton repaired its records at start.',
    });
    const chat = new RateLimitedChat(1000);
    await new ThreadPublisher(engine.store, chat, pipeline, silentLogger).sync('baton');
    expect(await engine.store.unpostedStreams(10)).toEqual([]);
    expect(chat.posts).toEqual([]);
  });
});
