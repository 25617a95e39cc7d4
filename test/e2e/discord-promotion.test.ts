/**
 * Baton on Discord end to end: the real discord.js client over the gateway
 * (and HTTP interactions signed with Ed25519) against the Discord stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import { ALICE, BOB, messageText, startDiscordScene, type DiscordScene } from '../support/discord-scene.ts';

const config = (channel: string) => `
version: 1
groups:
  release-managers: ["${ALICE}", "${BOB}"]
environments:
  - name: staging
    channel: "${channel}"
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

const has = (text: string) => (message: { content: string; embeds: unknown[] }) => JSON.stringify(message).includes(text);

describe('Baton on Discord', () => {
  let running: DiscordScene | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function request(scene: DiscordScene, text: string): Promise<string> {
    const outcome = await scene.discord.slashCommand(ALICE, 'promote', { command: text });
    expect(outcome.ephemeral).toBe(true);
    const id = /#(\d+)/.exec(outcome.content ?? '')?.[1];
    if (!id) throw new Error(`no promotion was requested: ${outcome.content}`);
    return id;
  }

  it('runs a promotion from /promote to the last step, approved by a second person, every step in its thread', async () => {
    const scene = (running = await startDiscordScene(config));
    const id = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    const plan = await scene.planMessage(id, has('awaiting approval'));
    expect(plan.content).toBe(`Waiting for approval from <@${BOB}>.`);
    expect(JSON.stringify(plan.components)).toContain(`"custom_id":"baton:approve:${id}"`);

    const self = await scene.discord.clickButton(ALICE, plan.id, `baton:approve:${id}`);
    expect(self.ephemeral).toBe(true);
    expect(self.content).toContain(`<@${ALICE}> requested promotion #${id} and staging does not allow self-approval`);
    const approved = await scene.discord.clickButton(BOB, plan.id, `baton:approve:${id}`);
    expect(approved.content).toContain(`You approved promotion #${id}`);

    const done = await scene.planMessage(id, has('succeeded'));
    expect(done.components).toEqual([]);
    const thread = await scene.discord.waitFor(() => {
      const lines = scene.threadLines(done);
      return lines.some((line) => line.includes(`Promotion #${id} succeeded`)) ? lines : undefined;
    }, 15_000);
    const order = ['approved', 'iam', 'role_arn', 'api', 'succeeded'].map((word) => thread.findIndex((line) => line.includes(word)));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(scene.discord.threads()).toHaveLength(1);
    const records = await scene.baton.engine.store.readAudit(promotionStream(id));
    expect(records.filter((r) => r.type === 'approval.refused').map((r) => r.actor)).toEqual([ALICE]);
  });

  it('rejects with the reason given in the modal', async () => {
    const scene = (running = await startDiscordScene(config));
    const id = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    const plan = await scene.planMessage(id, has('awaiting approval'));
    const click = await scene.discord.clickButton(BOB, plan.id, `baton:reject:${id}`);
    expect(click.modal).toMatchObject({ title: `Reject promotion #${id}` });
    const submitted = await scene.discord.submitModal(BOB, `baton:reject-reason:${id}`, { reason: 'the change freeze starts today' });
    expect(submitted.ephemeral).toBe(true);
    expect(submitted.content).toBe(`You rejected promotion #${id}.`);
    const rejected = await scene.planMessage(id, has('rejected'));
    expect(messageText(rejected)).toContain('the change freeze starts today');
  });

  it('offers Roll back on a failure and rolls back from the button', async () => {
    const scene = (running = await startDiscordScene(config));
    const first = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    await scene.discord.clickButton(BOB, (await scene.planMessage(first, has('awaiting approval'))).id, `baton:approve:${first}`);
    await scene.planMessage(first, has('succeeded'));
    const id = await request(scene, 'iam=1.0.1 api=broken to staging');
    const plan = await scene.planMessage(id, has('awaiting approval'));
    await scene.discord.clickButton(BOB, plan.id, `baton:approve:${id}`);
    const failed = await scene.planMessage(id, has(`baton:rollback:${id}`));
    expect(messageText(failed)).toContain('failed');
    const rollback = await scene.discord.clickButton(BOB, failed.id, `baton:rollback:${id}`);
    expect(rollback.content).toContain(`Rolling back promotion #${id}`);
    await scene.planMessage(id, has('rolled back'));
  });

  it('catches up after the gateway drops: the interactions sent meanwhile are answered once', async () => {
    const scene = (running = await startDiscordScene(config));
    const id = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    const plan = await scene.planMessage(id, has('awaiting approval'));
    scene.discord.dropConnection();
    const approved = await scene.discord.clickButton(BOB, plan.id, `baton:approve:${id}`);
    expect(approved.content).toContain(`You approved promotion #${id}`);
    await scene.planMessage(id, has('succeeded'));
    expect(scene.discord.resumeCount).toBeGreaterThanOrEqual(1);
    const granted = (await scene.baton.engine.store.readAudit(promotionStream(id))).filter((r) => r.type === 'approval.granted');
    expect(granted).toHaveLength(1);
  });
});
