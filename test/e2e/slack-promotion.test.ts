/**
 * Baton on Slack end to end: the real Bolt receiver and Web API client,
 * requests signed as Slack signs them, against the Slack Web API stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { PostedMessage } from '../harness/slack/messages.ts';
import { ALICE, BOB, DEPLOYS, MALLORY, startSlackScene, type SlackScene } from '../support/slack-scene.ts';

const CONFIG = `
version: 1
groups:
  release-managers: [${BOB}]
environments:
  - name: staging
    channel: ${DEPLOYS}
    approvals: { required: 1, from: ["@release-managers"], allowSelfApproval: false }
components:
  iam:
    adapter: script
    outputs: [role_arn]
    with:
      apply: [node, -e, "require('fs').appendFileSync(process.env.BATON_OUTPUT, 'role_arn=arn:aws:iam::1:role/api\\\\n')"]
  api:
    adapter: script
    needs: [iam]
    with:
      apply: [node, -e, "if (process.argv[1].endsWith('broken')) { console.error('health check failed'); process.exit(1) }", "\${version}"]
      rollback: [node, -e, "0"]
`;

const has = (text: string) => (root: PostedMessage) => root.text.includes(text);

describe('Baton on Slack', () => {
  let running: SlackScene | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function start(config = CONFIG, options: Parameters<typeof startSlackScene>[1] = {}): Promise<SlackScene> {
    running = await startSlackScene(config, options);
    return running;
  }

  async function requestPromotion(scene: SlackScene, text: string): Promise<string> {
    const before = scene.privateAnswers(ALICE).length;
    const ack = await scene.command(ALICE, text);
    expect(ack.status).toBe(200);
    const answers = await scene.waitForPrivateAnswers(ALICE, before + 1);
    const id = /#(\d+)/.exec(answers.at(-1) ?? '')?.[1];
    if (!id) throw new Error(`no promotion was requested: ${answers.at(-1)}`);
    return id;
  }

  it('runs a promotion from /promote to the last step, approved by a second person, every step in the thread', async () => {
    const scene = await start();
    const id = await requestPromotion(scene, 'iam=1.0.0 api=2.0.0 to staging');
    // The answer was ready at once, so it came with the acknowledgement: no second request to Slack.
    expect(scene.slack.ephemerals(ALICE)).toMatchObject([
      { text: expect.stringContaining(`#${id}`), via: 'command_answer' },
    ]);
    expect(scene.slack.responses).toEqual([]);
    const plan = await scene.promotionMessage(id, has('awaiting approval'));
    expect(plan.blocks.find((b) => (b as { type: string }).type === 'actions')).toMatchObject({
      elements: [{ action_id: 'approve' }, { action_id: 'reject' }, { action_id: 'remind' }],
    });
    // The approver is mentioned, so Slack tells them their approval is needed.
    expect(JSON.stringify(plan.blocks)).toContain(`Waiting for approval from <@${BOB}>.`);
    expect((await scene.click(ALICE, 'remind', id)).status).toBe(200);
    expect((await scene.waitForPrivateAnswers(ALICE, 2)).at(-1)).toBe(
      `Reminded <@${BOB}> in the thread of promotion #${id}.`,
    );

    expect((await scene.click(ALICE, 'approve', id)).status).toBe(200);
    expect((await scene.waitForPrivateAnswers(ALICE, 3)).at(-1)).toMatch(
      /<@UALICE0001> can't approve .*only @release-managers may \(rule approvals.from of staging\)/,
    );
    expect((await scene.click(BOB, 'approve', id)).status).toBe(200);

    const done = await scene.promotionMessage(id, has('succeeded'));
    expect(done.ts).toBe(plan.ts);
    expect(done.edits).toBeGreaterThan(1);
    await scene.baton.idle();
    const thread = scene.threadText(await scene.promotionMessage(id));
    const at = (pattern: RegExp) => thread.search(pattern);
    expect(at(/<@UBOB000001>/)).toBeGreaterThanOrEqual(0);
    expect(at(/iam .*succeeded/)).toBeGreaterThan(-1);
    expect(at(/iam .*succeeded/)).toBeLessThan(at(/Started api/));
    expect(at(/api .*succeeded/)).toBeGreaterThan(at(/Started api/));
    expect(thread).toMatch(/Promotion #\d+ succeeded/);
    expect(thread).toContain('role_arn');
  });

  it('rejects with the reason asked for in a modal', async () => {
    const scene = await start();
    const id = await requestPromotion(scene, 'iam=1.0.0 api=2.0.0 to staging');
    await scene.promotionMessage(id, has('awaiting approval'));
    await scene.click(BOB, 'reject', id);
    expect((await scene.submitReject(BOB, '  ')).body).toContain('Give a reason');
    expect((await scene.submitReject(BOB, 'the load test is still red')).status).toBe(200);

    const rejected = await scene.promotionMessage(id, has('rejected'));
    expect(JSON.stringify(rejected.blocks)).toContain('Rejected by <@UBOB000001>: the load test is still red');
    expect(rejected.blocks.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
  });

  it('offers Roll back on the plan when a step fails, rolls back on the click, and offers it no more', async () => {
    const scene = await start();
    const id = await requestPromotion(scene, 'iam=1.0.0 api=2.0.0-broken to staging');
    await scene.promotionMessage(id, has('awaiting approval'));
    await scene.click(BOB, 'approve', id);
    const offersRollback = (blocks: unknown) => JSON.stringify(blocks).includes('"action_id":"rollback"');
    const failed = await scene.promotionMessage(
      id,
      (root) => root.text.includes('failed') && offersRollback(root.blocks),
    );
    expect(scene.threadText(failed)).toContain('health check failed');
    // A reply is never edited: a button there would outlive the rollback.
    expect(scene.threadText(failed)).toContain("Roll back from the promotion's message above.");
    expect(failed.replies.some((reply) => offersRollback(reply.blocks))).toBe(false);

    await scene.click(BOB, 'rollback', id);
    const rolledBack = await scene.promotionMessage(id, has('rolled back'));
    expect(scene.threadText(rolledBack)).toMatch(/iam.*(irreversible|kept)/i);
    expect([rolledBack.blocks, ...rolledBack.replies.map((reply) => reply.blocks)].some(offersRollback)).toBe(false);
  });

  it('tells an unauthorized approver why, privately, records it, and changes nothing', async () => {
    const scene = await start();
    const id = await requestPromotion(scene, 'iam=1.0.0 api=2.0.0 to staging');
    await scene.promotionMessage(id, has('awaiting approval'));
    await scene.click(MALLORY, 'approve', id);
    const [answer] = await scene.waitForPrivateAnswers(MALLORY, 1);
    expect(answer).toContain(
      "<@UMALLORY01> can't approve or reject promotions to staging: only @release-managers may (rule approvals.from of staging)",
    );
    const audit = await scene.baton.engine.store.readAudit(promotionStream(id));
    expect(audit.map((r) => r.type)).toContain('approval.refused');
    expect((await scene.baton.promotions.getPromotion(id))?.state).toBe('awaiting_approval');
  });

  it('refuses a request with a bad signature or a stale timestamp, and acts once on a replayed retry', async () => {
    const scene = await start();
    expect((await scene.command(ALICE, 'iam=1.0.0 to staging', { options: { signature: 'v0=0000' } })).status).toBe(
      401,
    );
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await scene.command(ALICE, 'iam=1.0.0 to staging', { options: { timestamp: sixMinutesAgo } })).status).toBe(
      401,
    );

    const triggerId = '1234567890.1.abc123';
    expect((await scene.command(ALICE, 'iam=1.0.1 to staging', { triggerId })).status).toBe(200);
    await scene.waitForPrivateAnswers(ALICE, 1);
    const retry = await scene.command(ALICE, 'iam=1.0.1 to staging', {
      triggerId,
      options: { retryNum: 1, retryReason: 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    await scene.baton.idle();

    const promotions = await scene.baton.engine.store.listPromotions({});
    expect(promotions.map((p) => p.release.versions)).toEqual([{ iam: '1.0.1' }]);
    expect(scene.privateAnswers(ALICE)).toHaveLength(1);
  });

  it("posts a 300-step plan within Slack's limits, with the full plan attached in the thread", async () => {
    const diff = Array.from({ length: 12 }, (_, line) => `-  image: ghcr.io/acme/service:2026.11.${line}`).join('\n');
    const components = Array.from(
      { length: 300 },
      (_, i) =>
        `  service-${i + 1}: { adapter: script, with: { apply: ["true"], plan: ["printf", "%s\\n", "update service-${i + 1}", ${JSON.stringify(diff)}] } }`,
    );
    const scene = await start(`
version: 1
environments:
  - { name: staging, channel: ${DEPLOYS}, approvals: { required: 1 } }
components:
${components.join('\n')}
`);
    const versions = Array.from({ length: 300 }, (_, i) => `service-${i + 1}=1.0.0`).join(' ');
    const id = await requestPromotion(scene, `${versions} to staging`);
    const plan = await scene.promotionMessage(id, has('awaiting approval'));

    expect(plan.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(plan.blocks)).toMatch(/Showing \d+ of 300 lines; the full text is attached in the thread/);
    expect(plan.blocks.at(-1)).toMatchObject({ type: 'actions' });
    const attached = await scene.slack.waitFor(() => scene.slack.files.find((f) => f.title === 'Full text'));
    const content = attached.content?.toString() ?? '';
    for (let i = 1; i <= 300; i += 1)
      expect(content).toContain(`\`service-${i}\` 1.0.0 (script, *irreversible*) — update service-${i}`);
  });

  it("keeps every step result, in order, through a burst under Slack's rate limit", async () => {
    const components = Array.from(
      { length: 20 },
      (_, i) => `  job-${i + 1}: { adapter: script, with: { apply: ["true"] } }`,
    );
    const scene = await start(
      `
version: 1
environments:
  - { name: staging, channel: ${DEPLOYS} }
components:
${components.join('\n')}
`,
      { standIn: { rateLimit: { perChannel: { burst: 1, perSecond: 0.5 } } } },
    );
    const versions = Array.from({ length: 20 }, (_, i) => `job-${i + 1}=1.0.0`).join(' ');
    const id = await requestPromotion(scene, `${versions} to staging`);
    const done = await scene.promotionMessage(id, (root) =>
      root.replies.some((r) => r.text.includes(`Promotion #${id} succeeded`)),
    );

    expect(scene.slack.rateLimitedCount).toBeGreaterThan(0);
    const thread = scene.threadText(done);
    for (let i = 1; i <= 20; i += 1) expect(thread).toContain(`job-${i} 1.0.0 succeeded`);
    const sequence = [...thread.matchAll(/ · #(\d+)/g)].map((m) => Number(m[1]));
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    expect(new Set(sequence).size).toBe(sequence.length);
    expect(done.replies.length).toBeLessThan(sequence.length);
  }, 60_000);

  it('takes approvers from a Slack user group, looked up once for a burst of clicks', async () => {
    const scene = await start(
      CONFIG.replace(`release-managers: [${BOB}]`, 'release-managers: { usergroup: release-managers }'),
      {
        standIn: { usergroups: { S0RELEASE1: { handle: 'release-managers', users: [BOB] } } },
      },
    );
    const id = await requestPromotion(scene, 'iam=1.0.0 to staging');
    await scene.promotionMessage(id, has('awaiting approval'));
    await scene.click(MALLORY, 'approve', id);
    expect((await scene.waitForPrivateAnswers(MALLORY, 1))[0]).toContain(
      "can't approve or reject promotions to staging",
    );
    await scene.click(BOB, 'approve', id);
    await scene.promotionMessage(id, has('succeeded'));
    expect(scene.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0RELEASE1']);
  });
});
