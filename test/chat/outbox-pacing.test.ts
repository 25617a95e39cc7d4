/**
 * The outbox's budgets, on a clock the test moves: a channel's token bucket,
 * the root message's own budget, how replies are packed, and how a channel
 * that fails is told to the operator once and tried again on schedule.
 */
import { describe, expect, it } from 'vitest';
import { ChannelProblems } from '../../src/chat/channel-problems.ts';
import { textMessage, type ChatMessage } from '../../src/chat/message.ts';
import { TokenBucket } from '../../src/chat/pace.ts';
import { packReplies } from '../../src/chat/reply-packing.ts';
import { RootUpdatePacer } from '../../src/chat/root-updates.ts';
import { sealAuditRecord, type AuditRecord } from '../../src/core/audit-record.ts';
import type { Logger } from '../../src/core/capabilities.ts';
import { ChatChannelUnusableError } from '../../src/errors.ts';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function records(count: number): AuditRecord[] {
  const made: AuditRecord[] = [];
  for (let i = 1; i <= count; i += 1) {
    const previous = made.at(-1);
    made.push(
      sealAuditRecord(
        'promotion-1',
        { type: 'step.succeeded', actor: 'baton', summary: `step ${i} succeeded.`, promotionId: '1' },
        previous && { hash: previous.hash, seq: previous.seq },
        '2026-12-01T00:00:00.000Z',
      ),
    );
  }
  return made;
}

describe('a channel token bucket', () => {
  it('lets a burst go at once, then one message per interval, each caller in turn', () => {
    const time = clock();
    const bucket = new TokenBucket({ burst: 3, perSecond: 1 }, time.now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([1000, 2000]);
    time.advance(10_000);
    expect(bucket.reserve()).toBe(0);
  });

  it('after a Retry-After lets one message go when it ends and the rest at the rate, however many had reserved before', () => {
    const time = clock();
    const bucket = new TokenBucket({ burst: 3, perSecond: 1 }, time.now);
    for (let i = 0; i < 5; i += 1) bucket.reserve();
    bucket.restartAt(30_000);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([30_000, 31_000, 32_000]);
    time.advance(40_000);
    expect(bucket.reserve()).toBe(0);
  });
});

describe('the root message budget', () => {
  const ref = { channel: 'C1', messageId: '1.0' };

  it('edits a root at most every rootEveryMs, skips what it already shows, and keeps to the workspace budget', () => {
    const time = clock();
    const roots = new RootUpdatePacer({ rootEveryMs: 5_000, updates: { burst: 1, perSecond: 0.1 } }, time.now);
    const running = textMessage('running');
    roots.showed(ref, running);
    expect(roots.decide(ref, running)).toEqual({ kind: 'unchanged' });
    expect(roots.decide(ref, textMessage('step 2'))).toEqual({ kind: 'later', waitMs: 5_000 });
    time.advance(5_000);
    expect(roots.decide(ref, textMessage('step 3'))).toEqual({ kind: 'now' });
    roots.showed(ref, textMessage('step 3'));
    const other = { channel: 'C2', messageId: '2.0' };
    // The workspace budget took its one token for step 3: another root waits for the next.
    expect(roots.decide(other, textMessage('elsewhere'))).toEqual({ kind: 'later', waitMs: 10_000 });
  });

  it('holds every edit back after a 429 until its Retry-After', () => {
    const time = clock();
    const roots = new RootUpdatePacer({ rootEveryMs: 0 }, time.now);
    roots.rateLimited(2_000);
    expect(roots.decide(ref, textMessage('done'))).toEqual({ kind: 'later', waitMs: 2_000 });
    time.advance(2_000);
    expect(roots.decide(ref, textMessage('done'))).toEqual({ kind: 'now' });
  });
});

describe('packing replies', () => {
  const render = (record: AuditRecord): ChatMessage => textMessage(record.summary);

  it('puts as many records in a reply as the platform shows whole', () => {
    const batches = packReplies(records(25), render, (message) => message.blocks.length <= 10);
    expect(batches.map((b) => b.records.length)).toEqual([10, 10, 5]);
    expect(batches[0]?.message?.text.split('\n')).toEqual(
      Array.from({ length: 10 }, (_, i) => `step ${i + 1} succeeded.`),
    );
  });

  it('sends a record too large for any message on its own rather than holding the rest back', () => {
    const large = (record: AuditRecord): ChatMessage =>
      record.seq === 2
        ? { ...render(record), blocks: Array.from({ length: 5 }, () => ({ type: 'text', text: 'x' })) }
        : render(record);
    const batches = packReplies(records(3), large, (message) => message.blocks.length <= 3);
    expect(batches.map((b) => b.records.map((r) => r.seq))).toEqual([[1], [2], [3]]);
  });

  it('moves past records nothing is shown for, in the reply they fall in', () => {
    const batches = packReplies(
      records(4),
      (record) => (record.seq === 2 ? undefined : render(record)),
      () => true,
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]?.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(batches[0]?.message?.text).toBe('step 1 succeeded.\nstep 3 succeeded.\nstep 4 succeeded.');
  });
});

describe('channels Baton cannot post to', () => {
  function recordingLogger(): Logger & { errors: string[]; infos: string[] } {
    const errors: string[] = [];
    const infos: string[] = [];
    return {
      errors,
      infos,
      error: (_details, message) => errors.push(message),
      warn: () => {},
      info: (_details, message) => infos.push(message),
    };
  }

  it('tells the operator once, lets one stream try again per interval, and says when it works again', () => {
    const time = clock(Date.parse('2026-12-01T10:00:00Z'));
    const logger = recordingLogger();
    const problems = new ChannelProblems(logger, 60_000, time.now);
    const error = new ChatChannelUnusableError('#deploys', 'not_in_channel', 'Invite the bot.');
    problems.failed('#deploys', error);
    problems.failed('#deploys', error);
    expect(logger.errors).toEqual([
      'cannot post to #deploys: not_in_channel; its messages wait until it works again. Invite the bot.',
    ]);
    expect(problems.list()).toEqual([
      { channel: '#deploys', reason: 'not_in_channel', remedy: 'Invite the bot.', since: '2026-12-01T10:00:00.000Z' },
    ]);
    expect(problems.holdsBack('#deploys')).toBe(true);
    time.advance(60_000);
    expect(problems.holdsBack('#deploys')).toBe(false);
    expect(problems.holdsBack('#deploys')).toBe(true);
    problems.worked('#deploys');
    expect(problems.list()).toEqual([]);
    expect(problems.holdsBack('#deploys')).toBe(false);
    expect(logger.infos).toEqual(['#deploys takes messages again; its threads catch up']);
  });
});
