/**
 * The reconcile as the running app runs it: `startBaton` reconciles
 * environments every `reconcileIntervalMs`, so a promotion kept waiting by a
 * lock left behind, or by a closed promotion window, starts on its own —
 * nobody types a command. Both tests fail if the app does not reconcile
 * periodically: nothing else hands those environments on.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { environmentStream } from '../../src/core/audit.ts';
import { consoleClient, replyText, threadLines, type ConsoleClient } from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const CONFIG = `version: 1
environments:
  - name: dev
    channel: "#deploys"
  - name: production
    channel: "#releases"
    windows: ["Mon-Thu 09:00-16:00 Europe/Berlin"]
    approvals: { required: 1 }
components:
  api: { adapter: script, with: { apply: [node, -e, "0"] } }
`;

/** A few reconcile rounds, well inside the time a person would wait for a start. */
const ON_ITS_OWN_MS = 2_000;

let configDir: string;
let started: StartedBaton;
let chat: ConsoleClient;

beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'baton-reconcile-'));
  await writeFile(join(configDir, 'baton.yaml'), CONFIG);
  started = await startExampleBaton(join(configDir, 'baton.yaml'), undefined, { reconcileIntervalMs: 100 });
  chat = consoleClient(started.baton.url);
});
afterEach(async () => {
  await started.stop();
  await rm(configDir, { recursive: true, force: true });
});

async function request(text: string): Promise<string> {
  const reply = replyText(await chat.command('alice', text));
  const id = /Planning promotion #(\d+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no promotion was created: ${reply}`);
  return id;
}

/** The promotion's root message, as the channel shows it: its state and its thread. */
async function shown(id: string): Promise<{ state: string; thread: string[] }> {
  const root = await chat.promotionMessage(id);
  return { state: root.message.text.split(' — ').at(-1) ?? '', thread: threadLines(root) };
}

async function stateOf(id: string): Promise<string> {
  return (await shown(id)).state;
}

it('frees an environment a finished promotion left held and starts the promotion waiting for it, with no command', async () => {
  const first = await request('/promote api=1.0.0 to dev');
  await expect.poll(() => stateOf(first), { timeout: 10_000 }).toBe('succeeded');
  // The process that ran it died after it finished, before it let go of dev. (A lock
  // held for a promotion that does not exist would be freed before the next request
  // could wait for it: a finished holder is left a minute to let go itself.)
  const { store } = started.baton.engine;
  expect(await store.lockEnvironment('dev', first)).toBe(first);

  const second = await request('/promote api=1.1.0 to dev');
  await expect
    .poll(async () => (await shown(second)).thread, { timeout: 5_000 })
    .toContain(
      `Planning waits: promotion #${first} is using dev, and previews never run while another promotion changes it.`,
    );
  expect(await stateOf(second)).toBe('planning…');

  started.clock.advance(61_000);
  await expect
    .poll(async () => (await shown(second)).thread, { timeout: ON_ITS_OWN_MS, interval: 50 })
    .toContain(`Started promotion #${second} to dev.`);
  await expect.poll(() => stateOf(second), { timeout: 10_000 }).toBe('succeeded');
  const recovered = (await store.readAudit(environmentStream('dev'))).filter(
    (r) => r.type === 'environment.lock_recovered',
  );
  expect(recovered.map((r) => r.summary)).toEqual([
    `dev was still held by promotion #${first}, which finished (succeeded); Baton released it.`,
  ]);
  expect((await store.getLedger('dev')).api?.version).toBe('1.1.0');
  expect((await shown(second)).thread.at(-1)).toMatch(new RegExp(`^Promotion #${second} succeeded`));
});

it('starts a promotion approved after its window closed once the next window opens, with no command', async () => {
  started.clock.set(new Date('2026-11-26T09:00:00Z')); // Thursday 10:00 in Berlin.
  const id = await request('/promote api=1.0.0 to production');
  await expect.poll(() => stateOf(id), { timeout: 10_000 }).toBe('awaiting approval');

  started.clock.set(new Date('2026-11-26T16:30:00Z')); // 17:30: the window has closed.
  expect(replyText(await chat.click('bob', 'approve', id))).toBe(
    `You approved promotion #${id}; it has all 1 approval it needs.`,
  );
  const waiting = `Waiting: production accepts promotions only Mon-Thu 09:00-16:00 Europe/Berlin; the next opens Mon 30 Nov, 09:00 Europe/Berlin. This one starts when a window opens.`;
  await expect.poll(async () => (await shown(id)).thread, { timeout: 5_000 }).toContain(waiting);
  // Several reconcile rounds while the window is closed: it keeps waiting, and says so once.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(await shown(id)).toEqual({
    state: 'approved, waiting to start',
    thread: ['bob approved (1 of 1).', `Promotion #${id} is approved by bob.`, waiting],
  });

  started.clock.set(new Date('2026-11-30T08:00:30Z')); // Monday 09:00:30 in Berlin.
  await expect
    .poll(async () => (await shown(id)).thread.slice(3, 4), { timeout: ON_ITS_OWN_MS, interval: 50 })
    .toEqual([`Started promotion #${id} to production.`]);
  await expect.poll(() => stateOf(id), { timeout: 10_000 }).toBe('succeeded');
  expect((await shown(id)).thread.at(-1)).toMatch(new RegExp(`^Promotion #${id} succeeded`));
});
