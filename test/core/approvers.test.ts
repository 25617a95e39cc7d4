/**
 * Approvers are told their approval is needed: the plan names them, and a
 * reminder mentions the ones who have not acted, no more often than every ten minutes.
 */
import { describe, expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import { renderPromotion } from '../../src/chat/render/promotion-message.ts';
import type { ChatMessage } from '../../src/chat/message.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const CONFIG = `
version: 1
groups: { release-managers: [rita, sam, alice] }
environments:
  - name: prod
    requesters: [alice, bob]
    approvals: { required: 2, from: ["@release-managers", tom] }
  - name: dev
    approvals: { required: 1 }
components:
  api: { adapter: fake }
`;

async function awaiting(harness: CoreHarness, environment = 'prod'): Promise<string> {
  const outcome = await harness.promotions.request({
    release: { name: 'r', versions: { api: '1' } },
    environment,
    requestedBy: 'alice',
  });
  if (outcome.outcome !== 'planning') throw new Error('refused');
  await harness.settle();
  return outcome.promotion.id;
}

async function planMessage(harness: CoreHarness, id: string): Promise<ChatMessage> {
  const promotion = await harness.promotions.getPromotion(id);
  const environment = harness.pipeline.environments.find((e) => e.name === promotion.environment);
  if (!environment) throw new Error('no environment');
  return renderPromotion(promotion, environment);
}

function texts(message: ChatMessage): string[] {
  return message.blocks.flatMap((block) => (block.type === 'text' ? [block.text] : []));
}

function buttons(message: ChatMessage): string[] {
  return message.blocks.flatMap((block) => (block.type === 'actions' ? block.buttons.map((b) => b.actionId) : []));
}

describe('telling approvers', () => {
  it('names everyone who may approve, groups looked up and the requester left out, until they approve', async () => {
    const harness = coreHarness(CONFIG);
    const id = await awaiting(harness);
    expect(texts(await planMessage(harness, id))).toContain('Waiting for approval from rita, sam, tom.');
    await harness.promotions.approve(id, 'sam');
    expect(texts(await planMessage(harness, id))).toContain('Waiting for approval from rita, tom.');
    expect(buttons(await planMessage(harness, id))).toEqual(['approve', 'reject', 'remind']);
  });

  it('names nobody and offers no reminder where anyone may approve', async () => {
    const harness = coreHarness(CONFIG);
    const id = await awaiting(harness, 'dev');
    const message = await planMessage(harness, id);
    expect(texts(message).filter((t) => t.startsWith('Waiting for approval'))).toEqual([]);
    expect(buttons(message)).toEqual(['approve', 'reject']);
    expect(await harness.promotions.remindApprovers(id, 'alice')).toEqual({
      ok: false,
      message: `Nobody to remind: anyone in the channel may approve promotion #${id}.`,
    });
  });

  it('reminds the approvers who have not acted, in the thread, at most every ten minutes', async () => {
    const harness = coreHarness(CONFIG);
    const id = await awaiting(harness);
    await harness.promotions.approve(id, 'rita');
    expect(await harness.promotions.remindApprovers(id, 'alice')).toMatchObject({
      ok: true,
      message: `Reminded sam, tom in the thread of promotion #${id}.`,
    });
    const soon = await harness.promotions.remindApprovers(id, 'bob');
    expect(soon.ok).toBe(false);
    expect(soon.message).toMatch(
      new RegExp(`^Approvers of promotion #${id} were reminded at .*; remind them again after `),
    );
    harness.clock.advance(10 * 60_000);
    expect((await harness.promotions.remindApprovers(id, 'bob')).ok).toBe(true);
    const reminders = (await harness.runtime.store.readAudit(promotionStream(id))).filter(
      (r) => r.type === 'approval.reminded',
    );
    expect(reminders.map((r) => [r.actor, r.summary, r.data?.approvers])).toEqual([
      ['alice', `alice reminds sam, tom: promotion #${id} waits for one more approval.`, ['sam', 'tom']],
      ['bob', `bob reminds sam, tom: promotion #${id} waits for one more approval.`, ['sam', 'tom']],
    ]);
  });

  it('takes reminders only from people who take part in the environment: a stranger cannot make Baton ping anyone', async () => {
    const harness = coreHarness(CONFIG);
    const id = await awaiting(harness);
    expect(await harness.promotions.remindApprovers(id, 'mallory')).toEqual({
      ok: false,
      message: `mallory can't remind the approvers of promotion #${id}: only its requester and those who may request or approve promotions to prod may.`,
    });
    const records = (await harness.runtime.store.readAudit(promotionStream(id))).filter(
      (r) => r.type === 'approval.refused' || r.type === 'approval.reminded',
    );
    expect(records.map((r) => [r.type, r.actor])).toEqual([['approval.refused', 'mallory']]);
    expect((await harness.promotions.remindApprovers(id, 'tom')).ok).toBe(true);
  });

  it('refuses a reminder once the promotion no longer waits for approval', async () => {
    const harness = coreHarness(CONFIG);
    const id = await awaiting(harness);
    await harness.promotions.reject(id, 'rita', 'not today');
    expect(await harness.promotions.remindApprovers(id, 'alice')).toEqual({
      ok: false,
      message: `Promotion #${id} is rejected: it is not waiting for approval.`,
    });
  });
});
