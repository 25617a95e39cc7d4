/**
 * Redis engine, bot processes: 200 Approve and Reject clicks on one
 * promotion at once, spread over two bots, end in exactly one decision; every
 * click is an audit record, refused and repeated ones are answered privately
 * and the thread shows only the decisions.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { AuditRecord, AuditType } from '../../src/core/audit-record.ts';
import type { Reply } from '../../src/chat/contract.ts';
import type { RootMessageView } from '../../src/chat/console/message-store.ts';
import type { EvidenceBundle } from '../../src/core/evidence.ts';
import { EVIDENCE_HEADERS } from '../support/api-tokens.ts';
import { until } from '../support/baton-process.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { consoleClient, replyText, threadLines, type ConsoleClient } from '../support/console-client.ts';

const scene = useProcessScene();

/** What one click can leave in the promotion's stream. */
const CLICK_RECORDS: readonly AuditType[] = [
  'approval.granted',
  'approval.refused',
  'approval.duplicate',
  'promotion.rejected',
];
/** What the thread may show: decisions and what they set off, never a click that changed nothing. */
const DECISIONS: readonly AuditType[] = [
  'approval.granted',
  'promotion.approved',
  'promotion.rejected',
  'promotion.started',
  'step.started',
  'step.succeeded',
  'promotion.succeeded',
];
/** Said by the root message, not the thread. */
const ROOT_ONLY: readonly AuditType[] = ['promotion.requested', 'promotion.planned'];

async function evidence(baseUrl: string, id: string): Promise<AuditRecord[]> {
  const response = await fetch(`${baseUrl}/api/promotions/evidence?id=${id}`, { headers: EVIDENCE_HEADERS });
  expect(response.status).toBe(200);
  return ((await response.json()) as EvidenceBundle).events;
}

/**
 * Each bot's console keeps its own messages in memory: a promotion's thread is
 * on the bot that posted its root (the other bot's attempts fail and are
 * retried). Every root message either bot shows, so a stray post is seen too.
 */
async function rootsOnBots(bots: ConsoleClient[]): Promise<RootMessageView[]> {
  return (await Promise.all(bots.map((bot) => bot.messages()))).flat();
}

function promotionRoot(roots: RootMessageView[], id: string): RootMessageView | undefined {
  return roots.find((root) => root.message.text.startsWith(`Promotion #${id}:`));
}

async function startBots(count: number, approvers: string[], required: number) {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  await writeFile(
    join(dir, 'baton.yaml'),
    `version: 1
groups: { approvers: [${approvers.join(', ')}] }
environments:
  - name: production
    approvals: { required: ${required}, from: ["@approvers"] }
components:
  api: { adapter: script, with: { apply: [node, -e, "0"] } }
`,
  );
  // Every bot on one Redis shares the key that encrypts sensitive outputs at rest.
  const env = { REDIS_URL: redis.url, BATON_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  const common = ['-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data'), '--port', '0'];
  const bots = await Promise.all(
    Array.from({ length: count }, () => scene.start(['start', ...common], env, /open (http:\/\/\S+) /)),
  );
  return bots.map((bot) => ({ url: bot.ready[1] ?? '', chat: consoleClient(bot.ready[1] ?? '') }));
}

async function awaitingApproval(chat: ConsoleClient): Promise<void> {
  expect(replyText(await chat.command('requester', '/promote api=1.0.0 to production'))).toContain(
    'Planning promotion #1',
  );
  await until(async () =>
    replyText(await chat.command('requester', '/promote status 1')).includes('State: awaiting approval')
      ? true
      : undefined,
  );
}

it(
  '200 concurrent approve and reject clicks on two bots end in one decision, each click recorded, only decisions in the thread',
  { timeout: 60_000 },
  async () => {
    const users = Array.from({ length: 100 }, (_, i) => `user${i}`);
    const [one, two] = await startBots(2, users, 3);
    if (!one || !two) throw new Error('bots did not start');
    await awaitingApproval(one.chat);

    const clicks = users.flatMap((user, i) => [
      { user, action: 'approve' as const, send: () => (i % 2 === 0 ? one : two).chat.click(user, 'approve', '1') },
      {
        user,
        action: 'reject' as const,
        send: () => (i % 2 === 0 ? two : one).chat.click(user, 'reject', '1', `not now (${user})`),
      },
    ]);
    const replies = await Promise.all(clicks.map((click) => click.send()));
    const replyTo = (user: string, action: 'approve' | 'reject'): Reply => {
      const reply = replies[clicks.findIndex((c) => c.user === user && c.action === action)];
      if (!reply) throw new Error(`no reply to ${user}'s ${action}`);
      return reply;
    };
    const counted = replies.map(replyText).filter((text) => /^You approved promotion #1/.test(text));
    const rejected = replies.map(replyText).filter((text) => text === 'You rejected promotion #1.');

    const final = await until(async () => {
      const text = replyText(await one.chat.command('requester', '/promote status 1'));
      return /State: (succeeded|rejected)/.test(text) ? text : undefined;
    });
    if (final.includes('State: rejected')) {
      expect(rejected).toHaveLength(1);
      expect(counted.length).toBeLessThan(3);
    } else {
      expect(rejected).toHaveLength(0);
      expect(counted).toHaveLength(3);
      expect(final).toMatch(/Approvals: 3 of 3/);
    }

    // Every click is one record of the promotion's stream: one for each user's Approve, one for their Reject.
    const events = await evidence(one.url, '1');
    const clickRecords = events.filter((e) => CLICK_RECORDS.includes(e.type));
    expect(clickRecords).toHaveLength(200);
    const approveRecord = (e: AuditRecord) =>
      e.type === 'approval.granted' ||
      e.type === 'approval.duplicate' ||
      e.summary.startsWith(`Approval by ${e.actor} refused:`);
    const rejectRecord = (e: AuditRecord) =>
      e.type === 'promotion.rejected' || e.summary.startsWith(`Rejection by ${e.actor} refused:`);
    for (const user of users) {
      const own = clickRecords.filter((e) => e.actor === user);
      expect(own.filter(approveRecord), `${user}'s Approve`).toHaveLength(1);
      expect(own.filter(rejectRecord), `${user}'s Reject`).toHaveLength(1);
    }
    expect(clickRecords.filter((e) => e.type === 'approval.granted')).toHaveLength(counted.length);
    expect(clickRecords.filter((e) => e.type === 'promotion.rejected')).toHaveLength(rejected.length);

    // Each refused click was answered privately, with why.
    const refusals = clickRecords.filter((e) => e.type === 'approval.refused');
    expect(refusals.length).toBeGreaterThan(150);
    for (const refusal of refusals) {
      const reply = replyTo(refusal.actor, approveRecord(refusal) ? 'approve' : 'reject');
      expect(reply.visibility, `reply to ${refusal.summary}`).toBe('private');
      if (approveRecord(refusal))
        expect(replyText(reply)).toBe(refusal.summary.replace(`Approval by ${refusal.actor} refused: `, ''));
      else
        expect(replyText(reply)).toMatch(
          /^Promotion #1 is [a-z ]+: only a promotion waiting for approval can be rejected\.$/,
        );
    }

    // Only decisions, and what they set off, reach the channel: no line for any refused click.
    expect(
      events.filter((e) => ![...CLICK_RECORDS, ...DECISIONS, ...ROOT_ONLY].includes(e.type)).map((e) => e.type),
    ).toEqual([]);
    const decisions = events.filter((e) => DECISIONS.includes(e.type)).map((e) => e.summary);
    expect(decisions.at(-1)).toMatch(
      final.includes('State: rejected') ? /rejected promotion #1: not now/ : /^Promotion #1 succeeded/,
    );
    const thread = async () => {
      const roots = await rootsOnBots([one.chat, two.chat]);
      const root = promotionRoot(roots, '1');
      return { roots: roots.length, lines: root ? threadLines(root) : [] };
    };
    await expect.poll(thread, { timeout: 20_000, interval: 100 }).toEqual({ roots: 1, lines: decisions });
    const { lines } = await thread();
    expect(lines.filter((line) => /approved \(\d of 3\)\.$/.test(line))).toHaveLength(counted.length);
    expect(lines.join('\n')).not.toMatch(/refused|not waiting|already approved/);
  },
);

it('answers a second Approve by the same person privately, records it as a duplicate and posts nothing', async () => {
  const [bot] = await startBots(1, ['bob', 'carol'], 2);
  if (!bot) throw new Error('bot did not start');
  await awaitingApproval(bot.chat);
  const threadLinesOf = async () => {
    const root = promotionRoot(await bot.chat.messages(), '1');
    return root ? threadLines(root) : [];
  };

  expect(replyText(await bot.chat.click('bob', 'approve', '1'))).toBe('You approved promotion #1 (1 of 2).');
  await expect.poll(threadLinesOf, { timeout: 10_000, interval: 50 }).toEqual(['bob approved (1 of 2).']);

  const again = await bot.chat.click('bob', 'approve', '1');
  expect(again.visibility).toBe('private');
  expect(replyText(again)).toBe('bob already approved promotion #1; each person counts once.');
  const duplicates = (await evidence(bot.url, '1')).filter((e) => e.type === 'approval.duplicate');
  expect(duplicates.map((e) => `${e.actor}: ${e.summary}`)).toEqual([
    'bob: bob clicked Approve again: bob already approved promotion #1; each person counts once.',
  ]);

  // Carol's approval is posted after anything the repeated click could have posted: nothing sits between the two.
  expect(replyText(await bot.chat.click('carol', 'approve', '1'))).toContain(
    'You approved promotion #1; it has all 2 approvals',
  );
  await expect
    .poll(async () => (await threadLinesOf()).slice(0, 3), { timeout: 10_000, interval: 50 })
    .toEqual(['bob approved (1 of 2).', 'carol approved (2 of 2).', 'Promotion #1 is approved by bob, carol.']);
  expect((await threadLinesOf()).join('\n')).not.toMatch(/again|already approved/);
});
