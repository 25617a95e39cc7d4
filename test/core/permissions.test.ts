/**
 * Who may do what in an environment: every rule of the config and its
 * default, allowed and refused, with the refusal's words and its audit record.
 */
import { describe, expect, it } from 'vitest';
import { environmentStream, promotionStream } from '../../src/core/audit.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const TEAM = `
version: 1
groups:
  release-managers: [rita, sam]
  developers: [dev1, dev2]
environments:
  - name: open
  - name: staging
    requesters: ["@developers"]
    approvals: { required: 1 }
  - name: production
    approvals: { required: 1, from: ["@release-managers"] }
  - name: locked
    requesters: ["@developers", rita]
    approvals: { required: 1, from: ["@release-managers"] }
    rollback: [sam]
    freeze: [oncall]
    override: ["@release-managers"]
    windows: ["Mon-Fri 09:00-17:00 UTC"]
components:
  api: { adapter: fake }
`;

/** A Wednesday inside the windows of "locked", and a Saturday outside them. */
const INSIDE = new Date('2026-12-02T10:00:00Z');
const OUTSIDE = new Date('2026-12-05T10:00:00Z');

function harnessAt(at: Date = INSIDE): CoreHarness {
  const harness = coreHarness(TEAM);
  harness.clock.set(at);
  return harness;
}

async function environmentRecords(harness: CoreHarness, environment: string, type: string) {
  return (await harness.runtime.store.readAudit(environmentStream(environment))).filter((r) => r.type === type);
}

async function promotionRecords(harness: CoreHarness, id: string, type: string) {
  return (await harness.runtime.store.readAudit(promotionStream(id))).filter((r) => r.type === type);
}

async function request(harness: CoreHarness, environment: string, user: string, override?: string) {
  return harness.promotions.request({
    release: { name: 'r', versions: { api: '1' } },
    environment,
    requestedBy: user,
    ...(override === undefined ? {} : { override }),
  });
}

/** A promotion of `environment` taken through approval to success. */
async function succeeded(
  harness: CoreHarness,
  environment: string,
  requester: string,
  approver?: string,
): Promise<string> {
  const outcome = await request(harness, environment, requester);
  if (outcome.outcome !== 'planning') throw new Error(`refused: ${JSON.stringify(outcome.checks)}`);
  await harness.settle();
  if (approver !== undefined) {
    const approval = await harness.promotions.approve(outcome.promotion.id, approver);
    if (!approval.ok) throw new Error(approval.message);
    await harness.settle();
  }
  expect((await harness.runtime.store.getPromotion(outcome.promotion.id))?.state).toBe('succeeded');
  return outcome.promotion.id;
}

describe('requesters', () => {
  it('lets anyone request where none are listed', async () => {
    const harness = harnessAt();
    expect((await request(harness, 'open', 'anybody')).outcome).toBe('planning');
  });

  it('lets the listed people request and refuses the rest, naming the rule, with a record', async () => {
    const harness = harnessAt();
    expect((await request(harness, 'staging', 'dev1')).outcome).toBe('planning');
    const refused = await request(harness, 'staging', 'mallory');
    expect(refused.outcome).toBe('refused');
    expect(refused.checks.find((c) => !c.passed)?.message).toBe(
      "mallory can't request promotions to staging: only @developers may (rule requesters of staging). Ask one of them.",
    );
    expect((await environmentRecords(harness, 'staging', 'promotion.refused')).map((r) => r.actor)).toEqual([
      'mallory',
    ]);
  });
});

describe('approvals.from', () => {
  it('lets anyone but the requester approve where none are listed', async () => {
    const harness = harnessAt();
    const outcome = await request(harness, 'staging', 'dev1');
    if (outcome.outcome !== 'planning') throw new Error('refused');
    await harness.settle();
    expect((await harness.promotions.approve(outcome.promotion.id, 'dev1')).ok).toBe(false);
    expect((await harness.promotions.approve(outcome.promotion.id, 'anybody')).ok).toBe(true);
  });

  it('refuses an approval and a rejection by someone not listed, with the rule, and records both', async () => {
    const harness = harnessAt();
    const outcome = await request(harness, 'production', 'dev1');
    if (outcome.outcome !== 'planning') throw new Error('refused');
    await harness.settle();
    const id = outcome.promotion.id;
    const message =
      "dev2 can't approve or reject promotions to production: only @release-managers may (rule approvals.from of production). Ask one of them.";
    expect(await harness.promotions.approve(id, 'dev2')).toEqual({ ok: false, message });
    expect(await harness.promotions.reject(id, 'dev2', 'not now')).toEqual({ ok: false, message });
    expect((await promotionRecords(harness, id, 'approval.refused')).map((r) => r.summary)).toEqual([
      `Approval by dev2 refused: ${message}`,
      `Rejection by dev2 refused: ${message}`,
    ]);
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('awaiting_approval');
    expect((await harness.promotions.reject(id, 'rita', 'not now')).ok).toBe(true);
  });

  it('lets the requester withdraw their own request', async () => {
    const harness = harnessAt();
    const outcome = await request(harness, 'production', 'dev1');
    if (outcome.outcome !== 'planning') throw new Error('refused');
    await harness.settle();
    expect(await harness.promotions.reject(outcome.promotion.id, 'dev1', 'wrong version')).toMatchObject({ ok: true });
  });
});

describe('rollback', () => {
  it('lets anyone roll back where neither requesters nor approvers are listed', async () => {
    const harness = harnessAt();
    const id = await succeeded(harness, 'open', 'anybody');
    expect((await harness.promotions.rollback(id, 'passer-by')).ok).toBe(true);
  });

  it('by default admits the listed requesters and approvers, and nobody else: production lists only approvers', async () => {
    const harness = harnessAt();
    const id = await succeeded(harness, 'production', 'dev1', 'rita');
    const refused = await harness.promotions.rollback(id, 'dev1');
    expect(refused).toEqual({
      ok: false,
      message:
        "dev1 can't roll back promotions in production: only @release-managers may (rule rollback of production, by default its requesters and approvers). Ask one of them.",
    });
    expect((await promotionRecords(harness, id, 'rollback.refused')).map((r) => r.actor)).toEqual(['dev1']);
    expect((await harness.promotions.rollback(id, 'sam')).ok).toBe(true);
  });

  it('by default admits the requesters where approvers are not listed', async () => {
    const harness = harnessAt();
    const id = await succeeded(harness, 'staging', 'dev1', 'anybody');
    expect((await harness.promotions.rollback(id, 'anybody')).ok).toBe(false);
    expect((await harness.promotions.rollback(id, 'dev2')).ok).toBe(true);
  });

  it('admits only the people the config lists when it sets the rule', async () => {
    const harness = harnessAt();
    const id = await succeeded(harness, 'locked', 'dev1', 'rita');
    expect(await harness.promotions.rollback(id, 'rita')).toEqual({
      ok: false,
      message: "rita can't roll back promotions in locked: only sam may (rule rollback of locked). Ask one of them.",
    });
    expect((await harness.promotions.rollback(id, 'sam')).ok).toBe(true);
  });
});

describe('freeze and unfreeze', () => {
  it('lets anyone freeze where the environment names no approvers', async () => {
    const harness = harnessAt();
    await harness.promotions.freeze('staging', 'tests are red', 'anybody');
    expect(await harness.promotions.unfreeze('staging', 'someone-else')).toMatchObject({ by: 'anybody' });
  });

  it('by default admits its approvers only, and records every refusal', async () => {
    const harness = harnessAt();
    const message =
      "dev1 can't freeze or unfreeze production: only @release-managers may (rule freeze of production, by default its approvers). Ask one of them.";
    await expect(harness.promotions.freeze('production', 'why not', 'dev1')).rejects.toThrow(message);
    expect(await harness.runtime.store.listFreezes()).toEqual([]);
    await harness.promotions.freeze('production', 'incident 4411', 'rita');
    await expect(harness.promotions.unfreeze('production', 'dev1')).rejects.toThrow(message);
    expect((await harness.runtime.store.listFreezes()).map((f) => f.by)).toEqual(['rita']);
    expect((await environmentRecords(harness, 'production', 'freeze.refused')).map((r) => r.summary)).toEqual([
      `Freeze of production by dev1 refused: ${message}`,
      `Unfreeze of production by dev1 refused: ${message}`,
    ]);
    expect(await harness.promotions.unfreeze('production', 'sam')).toMatchObject({ by: 'rita' });
  });

  it('admits only the people the config lists when it sets the rule', async () => {
    const harness = harnessAt();
    await expect(harness.promotions.freeze('locked', 'x', 'rita')).rejects.toThrow(
      "rita can't freeze or unfreeze locked: only oncall may (rule freeze of locked). Ask one of them.",
    );
    await harness.promotions.freeze('locked', 'incident', 'oncall');
  });
});

describe('override', () => {
  it('is refused to everybody by default, saying how to allow it', async () => {
    const harness = harnessAt();
    await harness.promotions.freeze('production', 'incident 4411', 'rita');
    const refused = await request(harness, 'production', 'rita', 'checkout is down');
    expect(refused.outcome).toBe('refused');
    expect(refused.checks.find((c) => c.rule === 'override')?.message).toBe(
      "rita can't promote to production past a freeze or outside its promotion windows: nobody may (rule override of production, by default nobody). To allow it, list people or @groups under override for production in the config.",
    );
    expect(await environmentRecords(harness, 'production', 'promotion.refused')).toHaveLength(1);
  });

  it('is refused to someone the rule does not list', async () => {
    const harness = harnessAt(OUTSIDE);
    const refused = await request(harness, 'locked', 'dev1', 'please');
    expect(refused.checks.filter((c) => !c.passed).map((c) => c.rule)).toEqual(['windows', 'override']);
    expect(refused.checks.find((c) => c.rule === 'override')?.message).toBe(
      "dev1 can't promote to locked past a freeze or outside its promotion windows: only @release-managers may (rule override of locked). Ask one of them.",
    );
  });

  it('needs a reason, and something to override', async () => {
    const harness = harnessAt(INSIDE);
    const noReason = await request(harness, 'locked', 'rita', '  ');
    expect(noReason.checks.find((c) => c.rule === 'override')?.message).toMatch(/^An override needs a reason/);
    const needless = await request(harness, 'locked', 'rita', 'just because');
    expect(needless.checks.find((c) => c.rule === 'override')?.message).toBe(
      'Nothing to override: locked is not frozen and its promotion windows are open. Run the command without --override.',
    );
  });

  it('lets a listed person promote outside the windows and past a freeze, says so in the channel and the thread, and still needs approval', async () => {
    const harness = harnessAt(OUTSIDE);
    await harness.promotions.freeze('locked', 'year-end', 'oncall');
    const outcome = await request(harness, 'locked', 'rita', 'checkout is down');
    if (outcome.outcome !== 'planning') throw new Error(`refused: ${JSON.stringify(outcome.checks)}`);
    expect(
      outcome.checks
        .filter((c) => c.rule === 'freeze' || c.rule === 'windows')
        .map((c) => [c.passed, c.message.endsWith('Overridden by rita: "checkout is down".')]),
    ).toEqual([
      [true, true],
      [true, true],
    ]);
    const id = outcome.promotion.id;
    const [posted] = await environmentRecords(harness, 'locked', 'environment.overridden');
    expect(posted?.summary).toBe(
      `⚠️ rita overrode the freeze and its promotion windows of locked for promotion #${id}: "checkout is down".`,
    );
    expect((await promotionRecords(harness, id, 'promotion.overridden')).map((r) => r.actor)).toEqual(['rita']);
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('awaiting_approval');
    await harness.promotions.approve(id, 'sam');
    await harness.settle();
    expect((await harness.runtime.store.getPromotion(id))?.state).toBe('succeeded');
  });

  it('sets aside only the freeze it was made against: a freeze set after it holds the promotion', async () => {
    const harness = harnessAt(INSIDE);
    await harness.promotions.freeze('locked', 'first', 'oncall');
    const outcome = await request(harness, 'locked', 'rita', 'hotfix');
    if (outcome.outcome !== 'planning') throw new Error('refused');
    await harness.settle();
    await harness.promotions.unfreeze('locked', 'oncall');
    harness.clock.advance(1000);
    await harness.promotions.freeze('locked', 'second', 'oncall');
    await harness.promotions.approve(outcome.promotion.id, 'sam');
    await harness.settle();
    const held = await harness.runtime.store.getPromotion(outcome.promotion.id);
    expect(held?.state).toBe('approved');
    expect(held?.reason).toBe('waiting for the freeze on locked to be lifted');
  });
});
