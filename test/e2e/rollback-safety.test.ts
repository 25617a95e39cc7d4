/**
 * A rollback undoes only what the environment still runs from that promotion,
 * driven through the console's JSON API on the bundled example, on the
 * embedded engine and on Redis alike: rolling back an older promotion whose
 * every component a newer one replaced is refused without running anything,
 * and one whose components were partly replaced undoes only the rest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../src/app.ts';
import { promotionStream } from '../../src/core/audit.ts';
import type { AuditRecord } from '../../src/core/audit-record.ts';
import type { EvidenceBundle } from '../../src/core/evidence.ts';
import { EVIDENCE_HEADERS, TEST_API_TOKENS } from '../support/api-tokens.ts';
import { consoleClient, replyText, threadLines, type ConsoleClient } from '../support/console-client.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { EXAMPLE_CONFIG } from '../support/start-example.ts';

type EngineKind = 'embedded' | 'redis';

interface LedgerView {
  [component: string]: { version: string; promotionId: string } | undefined;
}

/** What the example's own systems hold in dev, read from their files the way its scripts do. */
interface Systems {
  api: string;
  /** Subjects of the gitops repository's commits, newest first. */
  commits: string[];
  schema?: string;
  worker?: string;
}

/** Baton on the bundled example with a fresh data folder, and what a test asks of it. */
interface Scene {
  baton: RunningBaton;
  chat: ConsoleClient;
  /** Requests a promotion as alice, waits for it to settle and checks it succeeded. */
  promote(text: string): Promise<string>;
  systems(): Systems;
  ledger(): Promise<LedgerView>;
  evidence(id: string): Promise<EvidenceBundle>;
  status(id: string): Promise<string>;
}

/** Runs `body` on a Baton of its own, on the embedded engine or a throwaway Redis, and stops both afterwards. */
async function inScene(kind: EngineKind, body: (scene: Scene) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-rollback-'));
  const redis = kind === 'redis' ? await startRedisServer() : undefined;
  const baton = await startBaton({
    configPath: EXAMPLE_CONFIG,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    retryDelayMs: 10,
    apiTokens: TEST_API_TOKENS,
    ...(redis ? { redisUrl: redis.url } : {}),
  });
  const chat = consoleClient(baton.url);
  const work = join(dataDir, 'work');
  const scene: Scene = {
    baton,
    chat,
    async promote(text) {
      const reply = await chat.command('alice', text);
      const id = /promotion #(\d+)/.exec(replyText(reply))?.[1];
      if (!id) throw new Error(`no promotion was created: ${replyText(reply)}`);
      await baton.idle();
      expect((await chat.promotionMessage(id)).message.text).toContain('succeeded');
      return id;
    },
    systems() {
      const git = (args: string[]) =>
        execFileSync('git', ['-C', join(work, 'api', 'gitops'), ...args], { encoding: 'utf8' });
      const state = (component: string): string | undefined => {
        const file = join(work, component, 'dev.json');
        return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version : undefined;
      };
      const manifest = git(['ls-tree', '--name-only', 'HEAD', 'environments/dev/']).trim()
        ? git(['show', 'HEAD:environments/dev/api.yaml'])
        : '';
      const [schema, worker] = [state('schema'), state('worker')];
      return {
        api: /image: .*:(\S+)/.exec(manifest)?.[1] ?? 'nothing',
        commits: git(['log', '--format=%s']).trim().split('\n'),
        ...(schema ? { schema } : {}),
        ...(worker ? { worker } : {}),
      };
    },
    async ledger() {
      const entries = await baton.engine.store.getLedger('dev');
      return Object.fromEntries(
        Object.entries(entries).map(([component, e]) => [
          component,
          e ? { version: e.version, promotionId: e.promotionId } : undefined,
        ]),
      );
    },
    async evidence(id) {
      return (await (
        await fetch(`${baton.url}/api/promotions/evidence?id=${id}`, { headers: EVIDENCE_HEADERS })
      ).json()) as EvidenceBundle;
    },
    async status(id) {
      return replyText(await chat.command('carol', `/promote status ${id}`));
    },
  };
  try {
    await body(scene);
  } finally {
    await baton.close();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// The two engines run side by side: each test has a Baton, a data folder and a Redis of its own.
describe.concurrent.each<EngineKind>(['embedded', 'redis'])('rolling back on the %s engine', (kind) => {
  it(
    'refuses to roll back an older promotion whose every change a newer one replaced, and runs nothing',
    { timeout: 60_000 },
    () =>
      inScene(kind, async ({ baton, chat, promote, systems, ledger, evidence, status }) => {
        const first = await promote('/promote 2026.11.3 to dev');
        const second = await promote('/promote iam=2026.11.9 schema=43 api=1.5.0 worker=1.5.0 to dev');
        const before = {
          systems: systems(),
          ledger: await ledger(),
          first: await status(first),
          second: await status(second),
        };
        expect(before.systems).toMatchObject({ api: '1.5.0', schema: '43', worker: '1.5.0' });
        const threads = {
          first: threadLines(await chat.promotionMessage(first)),
          second: threadLines(await chat.promotionMessage(second)),
        };

        const reply = await chat.command('bob', `/promote rollback ${first}`);
        await baton.idle();

        const text = replyText(reply);
        expect(reply.visibility).toBe('private');
        expect(text).toContain(`Nothing of promotion #${first} is left to undo`);
        for (const [component, version] of [
          ['schema', '43'],
          ['api', '1.5.0'],
          ['worker', '1.5.0'],
        ]) {
          expect(text).toContain(
            `${component} runs ${version} from #${second} now; roll back #${second} first, or promote the version you want.`,
          );
        }
        expect(text).toContain('iam 2026.11.3 is irreversible: left as it is.');

        // Nothing ran: no adapter's rollback touched a system, and the ledger still says what #2 put there.
        expect(systems()).toEqual(before.systems);
        expect(systems().commits.some((subject) => subject.startsWith('Roll back'))).toBe(false);
        expect(await ledger()).toEqual(before.ledger);
        expect(await ledger()).toMatchObject({
          iam: { version: '2026.11.9', promotionId: second },
          schema: { version: '43', promotionId: second },
          api: { version: '1.5.0', promotionId: second },
          worker: { version: '1.5.0', promotionId: second },
        });
        expect(replyText(await chat.command('carol', '/promote diff dev staging'))).toContain('`api` 1.5.0 ≠ —');
        expect(await status(first)).toEqual(before.first);
        expect(await status(second)).toEqual(before.second);
        expect(await status(second)).toContain('State: succeeded');
        const history = replyText(await chat.command('carol', '/promote history dev'));
        expect(history).toMatch(new RegExp(`#${first} .* → dev: succeeded`));
        expect(history).toMatch(new RegExp(`#${second} .* → dev: succeeded`));

        // The refusal is a private reply and an audit record, never a line in either thread.
        expect(threadLines(await chat.promotionMessage(first))).toEqual(threads.first);
        expect(threadLines(await chat.promotionMessage(second))).toEqual(threads.second);
        const bundle = await evidence(first);
        expect(bundle.chain).toEqual({ intact: true });
        const refused = bundle.events.filter((e) => e.type === 'rollback.refused');
        expect(refused).toHaveLength(1);
        expect(refused[0]?.actor).toBe('bob');
        expect(refused[0]?.summary).toContain(`api runs 1.5.0 from #${second} now`);
        expect(bundle.events.some((e) => e.type === 'rollback.requested' || e.type === 'step.rolled_back')).toBe(false);
        expect(bundle.promotion.state).toBe('succeeded');
        expect(bundle.promotion.steps.map((s) => s.status)).toEqual([
          'succeeded',
          'succeeded',
          'succeeded',
          'succeeded',
        ]);
      }),
  );

  it(
    'undoes only the components a newer promotion left alone, names the one it keeps, and undoes that one with the newer promotion',
    { timeout: 60_000 },
    () =>
      inScene(kind, async ({ baton, chat, promote, systems, ledger }) => {
        const first = await promote('/promote 2026.11.3 to dev');
        const second = await promote('/promote api=1.5.0 to dev');
        expect(systems()).toMatchObject({ api: '1.5.0', schema: '42', worker: '1.4.2' });

        const keptApi = `api runs 1.5.0 from #${second} now; roll back #${second} first, or promote the version you want.`;
        const reply = replyText(await chat.command('bob', `/promote rollback ${first}`));
        expect(reply).toContain(`Rolling back promotion #${first} (worker, schema)`);
        expect(reply).toContain(keptApi);
        await baton.idle();

        const root = await chat.promotionMessage(first);
        expect(root.message.text).toContain('rolled back');
        const thread = threadLines(root);
        expect(thread).toContain(keptApi);
        const rolledBack = thread.filter((line) => line.startsWith('Rolled back '));
        expect(rolledBack.map((line) => line.split(' ')[2])).toEqual(['worker', 'schema']);
        expect(rolledBack[0]).toMatch(/^Rolled back worker to nothing/);
        expect(rolledBack[1]).toMatch(/^Rolled back schema to nothing/);
        expect(thread.at(-1)).toMatch(
          new RegExp(
            `Promotion #${first} rolled back; iam is irreversible and kept; api was changed since by a newer promotion and kept`,
          ),
        );

        // What runs now: api from #2, iam (irreversible) from #1, schema and worker back to what ran before #1: nothing.
        const audit = await baton.engine.store.readAudit(promotionStream(first));
        const undone = audit.filter((r: AuditRecord) => r.type === 'step.rolled_back').map((r) => r.stepId);
        expect(undone).toEqual([`${first}.worker`, `${first}.schema`]);
        expect(await ledger()).toEqual({
          iam: { version: '2026.11.3', promotionId: first },
          api: { version: '1.5.0', promotionId: second },
        });
        const diff = replyText(await chat.command('carol', '/promote diff dev staging'));
        expect(diff).toContain('`api` 1.5.0 ≠ —');
        expect(diff).toContain('`iam` 2026.11.3 ≠ —');
        expect(diff).not.toContain('`schema`');
        expect(diff).not.toContain('`worker`');
        const now = systems();
        expect(now).toEqual({ api: '1.5.0', commits: now.commits });
        expect(now.commits.some((subject) => subject.startsWith('Roll back'))).toBe(false);
        const history = replyText(await chat.command('carol', '/promote history dev'));
        expect(history).toMatch(new RegExp(`#${first} .* → dev: rolled back`));
        expect(history).toMatch(new RegExp(`#${second} .* → dev: succeeded`));

        // The newer promotion can be rolled back on its own, and puts back the api #1 deployed.
        const again = replyText(await chat.command('bob', `/promote rollback ${second}`));
        expect(again).toContain(`Rolling back promotion #${second} (api)`);
        await baton.idle();
        expect((await chat.promotionMessage(second)).message.text).toContain('rolled back');
        expect(threadLines(await chat.promotionMessage(second))).toContainEqual(
          expect.stringMatching(/^Rolled back api to 1\.4\.2/),
        );
        expect((await ledger()).api).toEqual({ version: '1.4.2', promotionId: first });
        const last = systems();
        expect(last.api).toBe('1.4.2');
        expect(last.commits[0]).toBe(`Roll back api in dev to 1.4.2 (promotion #${second})`);
        expect(replyText(await chat.command('carol', '/promote history dev'))).toMatch(
          new RegExp(`#${second} .* → dev: rolled back`),
        );
      }),
  );
});
