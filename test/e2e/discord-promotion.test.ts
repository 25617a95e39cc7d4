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

const has = (text: string) => (message: { content: string; embeds: unknown[] }) =>
  JSON.stringify(message).includes(text);

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
    const order = ['approved', 'iam', 'role_arn', 'api', 'succeeded'].map((word) =>
      thread.findIndex((line) => line.includes(word)),
    );
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
    const submitted = await scene.discord.submitModal(BOB, `baton:reject-reason:${id}`, {
      reason: 'the change freeze starts today',
    });
    expect(submitted.ephemeral).toBe(true);
    expect(submitted.content).toBe(`You rejected promotion #${id}.`);
    const rejected = await scene.planMessage(id, has('rejected'));
    expect(messageText(rejected)).toContain('the change freeze starts today');
  });

  it('offers Roll back on a failure and rolls back from the button', async () => {
    const scene = (running = await startDiscordScene(config));
    const first = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    await scene.discord.clickButton(
      BOB,
      (await scene.planMessage(first, has('awaiting approval'))).id,
      `baton:approve:${first}`,
    );
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
    const granted = (await scene.baton.engine.store.readAudit(promotionStream(id))).filter(
      (r) => r.type === 'approval.granted',
    );
    expect(granted).toHaveLength(1);
  });

  it('summarizes a plan too large for one message and attaches its full text in the thread', async () => {
    const many = (channel: string) => `
version: 1
environments: [{ name: dev, channel: "${channel}", approvals: { required: 1 } }]
components:
${Array.from({ length: 120 }, (_, i) => `  component-${i}: { adapter: script, with: { apply: [node, -e, "0"], plan: [node, -e, "console.log('${'x'.repeat(60)}')"] } }`).join('\n')}
`;
    const scene = (running = await startDiscordScene(many));
    const versions = Array.from({ length: 120 }, (_, i) => `component-${i}=1.0.0`).join(' ');
    const id = await request(scene, `${versions} to dev`);
    // Waiting for approval, every step still shows its preview: the plan at its largest.
    const plan = await scene.planMessage(id, has('awaiting approval'));
    const [embed] = plan.embeds as { description?: string }[];
    expect(embed?.description).toMatch(/Showing \d+ of 120 lines; the full text is attached in the thread\./);
    const file = await scene.discord.waitFor(
      () =>
        scene.discord.messages(plan.id).find((m) => m.attachments.some((a) => a.filename === 'baton-full-text.txt')),
      15_000,
    );
    expect(file.attachments[0]?.size).toBeGreaterThan(120 * 20);
  });

  it("keeps to Discord's rate limits: every step of every promotion arrives once, in order, through 429s", async () => {
    const scene = (running = await startDiscordScene(config, { standIn: { rateLimits: { globalPerSecond: 5 } } }));
    const ids: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const id = await request(scene, `iam=1.0.${round} api=2.0.${round} to staging`);
      await scene.discord.clickButton(
        BOB,
        (await scene.planMessage(id, has('awaiting approval'))).id,
        `baton:approve:${id}`,
      );
      ids.push(id);
    }
    for (const id of ids) {
      const done = await scene.planMessage(id, has('succeeded'));
      const lines = await scene.discord.waitFor(() => {
        const thread = scene.threadLines(done);
        return thread.some((line) => line.includes(`Promotion #${id} succeeded`)) ? thread : undefined;
      }, 30_000);
      const started = lines.filter((line) => line.includes('Started api '));
      expect(started).toHaveLength(1);
    }
    expect(scene.discord.rateLimitedCount).toBeGreaterThan(0);
  }, 60_000);

  it('over HTTP: answers PING, acts on a signed command, and refuses a bad signature and a stale timestamp', async () => {
    const scene = (running = await startDiscordScene(config, { over: 'http' }));
    expect((await scene.discord.ping()).callbackType).toBe(1);
    const id = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    await scene.planMessage(id, has('awaiting approval'));
    const payload = { type: 1, id: '1', application_id: scene.discord.applicationId, token: 't', version: 1 };
    expect((await scene.discord.sendSigned(payload, { badSignature: true })).status).toBe(401);
    expect(
      (await scene.discord.sendSigned(payload, { timestamp: String(Math.floor(Date.now() / 1000) - 6 * 60) })).status,
    ).toBe(401);
    expect(
      (await scene.discord.sendSigned(payload, { timestamp: String(Math.floor(Date.now() / 1000) + 6 * 60) })).status,
    ).toBe(401);
    expect(await scene.discord.sendSigned(payload)).toEqual({ status: 200, body: { type: 1 } });
  });

  it('takes approvers from a Discord role and completes /promote as it is typed', async () => {
    const withRole = (channel: string) =>
      config(channel).replace(
        `release-managers: ["${ALICE}", "${BOB}"]`,
        'release-managers: { role: release-managers }',
      );
    const scene = (running = await startDiscordScene(withRole, {
      standIn: {
        guilds: [
          {
            id: '1300000000000000100',
            channels: [{ id: '1300000000000000200', name: 'deploys' }],
            roles: [{ id: '1300000000000000300', name: 'release-managers' }],
            members: [
              { id: ALICE, username: 'alice' },
              { id: BOB, username: 'bob', roles: ['1300000000000000300'] },
            ],
          },
        ],
      },
    }));
    const id = await request(scene, 'iam=1.0.0 api=2.0.0 to staging');
    const plan = await scene.planMessage(id, has('awaiting approval'));
    expect(plan.content).toBe(`Waiting for approval from <@${BOB}>.`);
    const refused = await scene.discord.clickButton(ALICE, plan.id, `baton:approve:${id}`);
    expect(refused.content).toContain("can't approve or reject promotions to staging: only @release-managers may");
    expect((await scene.discord.clickButton(BOB, plan.id, `baton:approve:${id}`)).content).toContain('You approved');
    const typed = await scene.discord.autocomplete(ALICE, 'promote', { command: 'iam=1.0.0 to st' }, 'command');
    expect(typed.choices).toEqual([{ name: 'iam=1.0.0 to staging', value: 'iam=1.0.0 to staging' }]);
  });
});
