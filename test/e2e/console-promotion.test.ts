/**
 * A whole promotion driven only through the console's JSON API, on the
 * bundled example: plan → approval by a second user → steps in `needs`
 * order → a thread with every step → status and history.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import { verifyAuditChain } from '../../src/core/audit-record.ts';
import {
  buttonsOf,
  consoleClient,
  messageText,
  replyText,
  threadLines,
  type ConsoleClient,
} from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

describe('a promotion through the console API', () => {
  let started: StartedBaton;
  let chat: ConsoleClient;

  beforeEach(async () => {
    started = await startExampleBaton();
    chat = consoleClient(started.baton.url);
  });
  afterEach(async () => {
    await started.stop();
  });

  async function promoteAndSettle(user: string, text: string): Promise<string> {
    const reply = await chat.command(user, text);
    const id = /promotion #(\d+)/.exec(replyText(reply))?.[1];
    if (!id) throw new Error(`no promotion was created: ${replyText(reply)}`);
    await started.baton.idle();
    return id;
  }

  it('runs a release into dev in needs order and threads every step', async () => {
    const id = await promoteAndSettle('alice', '/promote 2026.11.3 to dev');
    const root = await chat.promotionMessage(id);
    expect(root.channel).toBe('#deploys');
    expect(root.message.text).toContain('succeeded');
    const thread = threadLines(root);
    const finished = (component: string) =>
      thread.findIndex((t) => t.startsWith(`${component} `) && t.includes('succeeded'));
    const started_ = (component: string) => thread.findIndex((t) => t.startsWith(`Started ${component} `));
    for (const component of ['iam', 'schema', 'api', 'worker']) expect(finished(component)).toBeGreaterThanOrEqual(0);
    expect(finished('iam')).toBeLessThan(started_('api'));
    expect(finished('schema')).toBeLessThan(started_('api'));
    expect(finished('iam')).toBeLessThan(started_('worker'));
    expect(thread.at(-1)).toMatch(/Promotion #\d+ succeeded: dev now runs/);
    // The iam step's output reached the api's manifest, committed to git.
    const clone = join(started.dataDir, 'work', 'api', 'gitops');
    const manifest = execFileSync('git', ['-C', clone, 'show', 'HEAD:environments/dev/api.yaml'], { encoding: 'utf8' });
    expect(manifest).toContain('image: ghcr.io/acme/api:1.4.2');
    expect(manifest).toContain('QUEUE_URL: https://sqs.eu-central-1.example/123456789012/orders-dev');
    expect(execFileSync('git', ['-C', clone, 'log', '-1', '--format=%s'], { encoding: 'utf8' })).toContain(
      `promotion #${id}`,
    );
  });

  it('needs a second person to approve staging, and records the refused self-approval', async () => {
    await promoteAndSettle('alice', '/promote 2026.11.3 to dev');
    const id = await promoteAndSettle('alice', '/promote 2026.11.3 to staging');
    const waiting = await chat.promotionMessage(id);
    expect(waiting.message.text).toContain('awaiting approval');
    const approve = buttonsOf(waiting.message).find((b) => b.actionId === 'approve');
    expect(approve?.value).toBe(id);

    const self = await chat.click('alice', 'approve', id);
    expect(replyText(self)).toContain('alice requested promotion #' + id + ' and staging does not allow self-approval');
    const audit = await started.baton.engine.store.readAudit(promotionStream(id));
    expect(audit.some((r) => r.type === 'approval.refused' && r.actor === 'alice')).toBe(true);

    const approved = await chat.click('bob', 'approve', id);
    expect(replyText(approved)).toContain('You approved promotion #' + id);
    await started.baton.idle();
    const done = await chat.promotionMessage(id);
    expect(done.message.text).toContain('succeeded');
    expect(threadLines(done)).toContain('bob approved (1 of 1).');

    const status = replyText(await chat.command('carol', `/promote status ${id}`));
    expect(status).toContain('State: succeeded');
    const history = replyText(await chat.command('carol', '/promote history'));
    expect(history).toMatch(new RegExp(`#${id} .* → staging: succeeded`));
    expect(history).toMatch(/#1 .* → dev: succeeded/);
    const diff = replyText(await chat.command('carol', '/promote diff dev staging'));
    expect(diff).toContain('`api` 1.4.2 (same)');
    expect(verifyAuditChain(await started.baton.engine.store.readAudit(promotionStream(id)))).toEqual({ intact: true });
  });

  it('keeps production to its soak time and its release managers', async () => {
    await promoteAndSettle('alice', '/promote 2026.11.3 to dev');
    const staging = await promoteAndSettle('alice', '/promote 2026.11.3 to staging');
    await chat.click('bob', 'approve', staging);
    await started.baton.idle();

    const early = replyText(await chat.command('alice', '/promote staging to production'));
    expect(early).toContain("Can't promote");
    expect(early).toMatch(/soak: production needs 1m of soak in staging: .*has been in staging for/);

    started.clock.advance(61_000);
    const id = await promoteAndSettle('alice', '/promote staging to production');
    expect(replyText(await chat.click('alice', 'approve', id))).toContain(
      "alice can't approve or reject promotions to production: only @release-managers may (rule approvals.from of production)",
    );
    expect(replyText(await chat.click('bob', 'approve', id))).toContain('(1 of 2)');
    expect(replyText(await chat.click('bob', 'approve', id))).toContain('already approved');
    await chat.click('carol', 'approve', id);
    await started.baton.idle();
    const root = await chat.promotionMessage(id);
    expect(root.channel).toBe('#releases');
    expect(root.message.text).toContain('succeeded');
    expect(messageText(root.message)).toContain('What staging runs.');
  });

  it('stops at a failed step, skips its dependents and rolls back what it applied', async () => {
    await promoteAndSettle('alice', '/promote 2026.11.3 to dev');
    const id = await promoteAndSettle('alice', '/promote 2026.11.4-broken to dev');
    const failed = await chat.promotionMessage(id);
    expect(failed.message.text).toContain('failed');
    const text = messageText(failed.message);
    expect(text).toMatch(/`worker` 1\.4\.2 → 1\.5\.0-broken .*\[failed\]/);
    const thread = failed.thread.map((r) => messageText(r.message));
    expect(thread.some((t) => t.includes('worker 1.5.0-broken crashed on start: health check failed'))).toBe(true);
    const rollbackButton = buttonsOf(failed.message).find((b) => b.actionId === 'rollback');
    expect(rollbackButton).toBeDefined();

    expect(replyText(await chat.click('bob', 'rollback', id))).toContain(`Rolling back promotion #${id}`);
    await started.baton.idle();
    const rolledBack = await chat.promotionMessage(id);
    expect(rolledBack.message.text).toContain('rolled back');
    const ledger = { dev: await started.baton.engine.store.getLedger('dev') };
    expect(ledger.dev?.schema?.version).toBe('42');
    expect(ledger.dev?.worker?.version).toBe('1.4.2');
    const rolledBackSteps = (await started.baton.engine.store.readAudit(promotionStream(id)))
      .filter((r) => r.type === 'step.rolled_back')
      .map((r) => r.stepId);
    expect(rolledBackSteps).toContain(`${id}.worker`);
    expect(ledger.dev?.api?.version).toBe('1.4.2');
    const clone = join(started.dataDir, 'work', 'api', 'gitops');
    expect(
      execFileSync('git', ['-C', clone, 'show', 'HEAD:environments/dev/api.yaml'], { encoding: 'utf8' }),
    ).toContain('image: ghcr.io/acme/api:1.4.2');
  });

  it('answers bad input with usage, never a stack trace', async () => {
    expect(replyText(await chat.command('alice', '/promote 2026.11.3 production'))).toContain(
      'Usage: /promote <release> to <env>',
    );
    expect(replyText(await chat.command('alice', '/promote history --limit lots'))).toContain(
      '--limit takes a whole number',
    );
    expect(replyText(await chat.command('alice', '/promote nope to dev'))).toContain(
      'There is no release or environment named "nope"',
    );
    expect(replyText(await chat.command('alice', '/promote api=1.0 to moon'))).toContain(
      'There is no environment "moon"',
    );
    expect(replyText(await chat.command('alice', '/promote status 999'))).toContain('There is no promotion #999');
  });
});
