/**
 * Archiving as the core does it, with the store's write failing where a crash
 * would cut it: the bundle written before the store lets go of anything is
 * written again, byte for byte, by the run that follows.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { archiveFinished, type ArchiveDeps } from '../../src/core/archive.ts';
import { promotionStream } from '../../src/core/audit.ts';
import type { Store } from '../../src/engine/contract.ts';
import { coreHarness, type CoreHarness } from '../support/core-harness.ts';

const CONFIG = `
version: 1
environments: [{ name: dev }]
components:
  api: { adapter: fake }
`;

let folder: string;
let harness: CoreHarness;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'baton-archive-core-'));
  harness = coreHarness(CONFIG);
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Runs a promotion to its end; chat is told all of it (there is no outbox here, so its cursor is moved as the outbox would). */
async function finished(version: string, chat = { told: true }): Promise<string> {
  const outcome = await harness.promotions.request({
    release: { name: 'r', versions: { api: version } },
    environment: 'dev',
    requestedBy: 'alice',
  });
  if (outcome.outcome !== 'planning') throw new Error('refused');
  await harness.settle();
  const { store } = harness.runtime;
  const promotion = await store.getPromotion(outcome.promotion.id);
  if (chat.told)
    await store.advanceThreadCursor(promotionStream(outcome.promotion.id), 0, promotion?.audit?.count ?? 0);
  return outcome.promotion.id;
}

/** The store, with its archive write failing once: the process died after the bundle was written. */
function dyingOnce(store: Store): Store {
  let died = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'archivePromotion' || died) return Reflect.get(target, property, receiver) as unknown;
      died = true;
      return () => Promise.reject(new Error('killed'));
    },
  });
}

it('writes the same bundle again after a crash between the bundle and the store, and archives it then', async () => {
  const id = await finished('1.0.0');
  harness.clock.advance(2 * 86_400_000);
  const deps: ArchiveDeps = { ...harness.runtime, store: dyingOnce(harness.runtime.store) };
  const run = { before: new Date(harness.clock.now().getTime() - 86_400_000), folder, actor: 'baton' };

  expect((await archiveFinished(deps, run)).kept).toEqual([{ id, reason: 'could not archive it: killed' }]);
  const written = await readdir(folder);
  expect(written).toEqual([expect.stringMatching(new RegExp(`^promotion-${id}-[0-9a-f]{16}\\.evidence\\.json$`))]);
  const first = await readFile(join(folder, written[0] ?? ''), 'utf8');
  expect((await harness.runtime.store.getPromotion(id))?.state).toBe('succeeded');

  const report = await archiveFinished(deps, run);
  expect(report.archived.map((a) => a.bundle)).toEqual([join(folder, written[0] ?? '')]);
  expect(await readdir(folder)).toEqual(written);
  expect(await readFile(join(folder, written[0] ?? ''), 'utf8')).toBe(first);
  expect(await harness.runtime.store.getPromotion(id)).toBeUndefined();
});

it('keeps a promotion whose audit log does not verify, and one chat was not told all of, saying why', async () => {
  const tampered = await finished('1.0.0');
  const untold = await finished('1.1.0', { told: false });
  const archivable = await finished('1.2.0');
  // A record slipped in behind the gate: the promotion's anchor does not name it.
  await harness.runtime.audit.record(promotionStream(tampered), {
    type: 'promotion.succeeded',
    actor: 'mallory',
    summary: 'added behind the gate',
  });
  harness.clock.advance(2 * 86_400_000);

  const report = await archiveFinished(harness.runtime, {
    before: new Date(harness.clock.now().getTime() - 86_400_000),
    folder,
    actor: 'baton',
  });
  expect(report.archived.map((a) => a.id)).toEqual([archivable]);
  expect(report.kept).toEqual([
    { id: untold, reason: 'chat has not been told all of it yet' },
    {
      id: tampered,
      reason: `its audit log does not verify (the log ends at record ${(await harness.runtime.store.readAudit(promotionStream(tampered))).length}, the promotion says ${(await harness.runtime.store.getPromotion(tampered))?.audit?.count}: records were added after it); it stays in place for someone to look into`,
    },
  ]);
});
