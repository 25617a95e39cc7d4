/**
 * One thing at a time per environment, through the console API on both
 * engines: promotions asked for at the same moment plan and apply in turn, and
 * no preview runs while another promotion's apply is half-written; an approval
 * binds to the plan it saw, so a plan made stale by another promotion is
 * planned again and asks for approval again only when it changed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../src/app.ts';
import { promotionStream } from '../../src/core/audit.ts';
import type { AuditRecord } from '../../src/core/audit-record.ts';
import type { Promotion } from '../../src/core/model.ts';
import { until } from '../support/baton-process.ts';
import {
  buttonsOf,
  consoleClient,
  messageText,
  replyText,
  threadLines,
  type ConsoleClient,
} from '../support/console-client.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { silentLogger } from '../support/silent-logger.ts';

/**
 * A target that is inconsistent while an apply is half-written: `apply` leaves
 * a marker for APPLY_SECONDS, and longer while a `hold` file exists (so a test
 * can act while it applies, however slow the machine); `current` and `plan` refuse while the marker is
 * there. Every call is logged with its wall-clock times (µs) and promotion, to
 * compare windows. Bash, not node: it is called a few times per promotion.
 */
const TARGET = `set -eu
mode=$1
version=\${2:-}
now() { local t=$EPOCHREALTIME; echo "\${t//[.,]/}"; }
running() { if [ -e version ]; then cat version; fi; }
if [ "$mode" = apply ]; then
  printf '{"edge":"start","at":%s,"promotion":"%s","version":"%s"}\\n' "$(now)" "$BATON_PROMOTION_ID" "$version" >> applies.log
  printf %s "$version" > half-written
  [ "$APPLY_SECONDS" = 0 ] || sleep "$APPLY_SECONDS"
  while [ -e hold ]; do sleep 0.02; done
  printf %s "$version" > version
  rm half-written
  printf '{"edge":"end","at":%s,"promotion":"%s","version":"%s"}\\n' "$(now)" "$BATON_PROMOTION_ID" "$version" >> applies.log
  exit 0
fi
start=$(now)
if [ -e half-written ]; then half=true; else half=false; fi
printf '{"mode":"%s","start":%s,"end":%s,"promotion":"%s","halfWritten":%s}\\n' "$mode" "$start" "$(now)" "$BATON_PROMOTION_ID" "$half" >> previews.log
if [ "$half" = true ]; then
  echo "an apply is half-written here: cannot tell what runs" >&2
  exit 1
fi
runs=$(running)
if [ "$mode" = current ]; then echo "$runs"; else echo "will deploy $version over \${runs:-nothing}"; fi
`;

type EngineName = 'embedded' | 'redis';

interface Scene {
  dir: string;
  baton: RunningBaton;
  chat: ConsoleClient;
  stop(): Promise<void>;
}

interface SceneOptions {
  components: string[];
  applyMs: number;
  approvals?: boolean;
}

function configText(dir: string, options: SceneOptions): string {
  const target = join(dir, 'target.sh');
  const components = options.components.map(
    (name) => `  ${name}:
    adapter: script
    with:
      apply: [bash, ${target}, apply, "\${version}"]
      plan: [bash, ${target}, plan, "\${version}"]
      current: [bash, ${target}, current]
      cwd: ${name}
      env: { APPLY_SECONDS: "${options.applyMs / 1000}" }
`,
  );
  return `version: 1
environments:
  - name: dev
    channel: "#deploys"
${options.approvals ? '    approvals: { required: 1, allowSelfApproval: false }\n' : ''}components:
${components.join('')}`;
}

async function startScene(engine: EngineName, options: SceneOptions): Promise<Scene> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-one-at-a-time-'));
  let redis: RedisServer | undefined;
  try {
    await writeFile(join(dir, 'target.sh'), TARGET);
    for (const name of options.components) await mkdir(join(dir, name));
    await writeFile(join(dir, 'baton.yaml'), configText(dir, options));
    redis = engine === 'redis' ? await startRedisServer() : undefined;
    const baton = await startBaton({
      configPath: join(dir, 'baton.yaml'),
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      retryDelayMs: 10,
      // Every bot and worker on Redis shares one key for sensitive outputs.
      ...(redis ? { redisUrl: redis.url, encryptionKey: randomBytes(32).toString('base64') } : {}),
    });
    return {
      dir,
      baton,
      chat: consoleClient(baton.url),
      async stop() {
        // A test that failed while holding an apply must not hold the shutdown too.
        await Promise.all(options.components.map((name) => rm(join(dir, name, 'hold'), { force: true })));
        await baton.close();
        await redis?.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface ApplyWindow {
  promotion: string;
  version: string;
  start: number;
  end: number;
}

interface PreviewCall {
  mode: string;
  promotion: string;
  start: number;
  end: number;
  halfWritten: boolean;
}

async function jsonLines<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Each apply's window, from the apply log's start and end lines. */
async function applyWindows(dir: string, component: string): Promise<ApplyWindow[]> {
  const edges = await jsonLines<{ edge: 'start' | 'end'; at: number; promotion: string; version: string }>(
    join(dir, component, 'applies.log'),
  );
  return edges
    .filter((e) => e.edge === 'start')
    .map((start) => {
      const end = edges.find((e) => e.edge === 'end' && e.promotion === start.promotion);
      if (!end) throw new Error(`the apply of #${start.promotion} never finished`);
      return { promotion: start.promotion, version: start.version, start: start.at, end: end.at };
    })
    .sort((a, b) => a.start - b.start);
}

/** Previews (and observations) of one promotion that ran while another promotion's apply was under way. */
async function previewsInsideOtherApplies(dir: string, component: string): Promise<string[]> {
  const windows = await applyWindows(dir, component);
  const calls = await jsonLines<PreviewCall>(join(dir, component, 'previews.log'));
  return calls.flatMap((call) =>
    windows
      .filter((w) => w.promotion !== call.promotion && call.start <= w.end && w.start <= call.end)
      .map(
        (w) =>
          `${call.mode} of #${call.promotion} ran during the apply of #${w.promotion}${call.halfWritten ? ' and saw it half-written' : ''}`,
      ),
  );
}

async function promote(chat: ConsoleClient, user: string, text: string): Promise<string> {
  const reply = replyText(await chat.command(user, text));
  const id = /promotion #(\d+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no promotion was created: ${reply}`);
  return id;
}

/** What the plan previewed for each step: a finished plan message no longer shows it, the promotion keeps it. */
async function previewsOf(scene: Scene, id: string): Promise<string> {
  return (await promotionOf(scene, id)).steps.map((step) => step.preview?.summary ?? '').join('\n');
}

async function promotionOf(scene: Scene, id: string): Promise<Promotion> {
  const promotion = await scene.baton.engine.store.getPromotion(id);
  if (!promotion) throw new Error(`no promotion #${id}`);
  return promotion;
}

function untilState(scene: Scene, id: string, state: Promotion['state'], timeoutMs = 20_000): Promise<Promotion> {
  return until(
    async () => {
      const promotion = await promotionOf(scene, id);
      return promotion.state === state ? promotion : undefined;
    },
    timeoutMs,
    `promotion #${id} to be ${state}`,
  );
}

function untilHalfWritten(scene: Scene, component: string): Promise<true> {
  const marker = join(scene.dir, component, 'half-written');
  return until(
    async () => ((await stat(marker).catch(() => undefined)) ? true : undefined),
    20_000,
    `an apply of ${component} to start`,
  );
}

/** Settles until every promotion has ended and every message is out. */
async function settle(scene: Scene, timeoutMs = 30_000): Promise<void> {
  await until(
    async () => {
      await scene.baton.idle();
      const busy = await scene.baton.engine.store.listPromotions({
        states: ['planning', 'approved', 'running', 'rolling_back'],
      });
      return busy.length === 0 ? true : undefined;
    },
    timeoutMs,
    'every promotion to end',
  );
  await scene.baton.idle();
}

async function auditOf(scene: Scene, id: string): Promise<AuditRecord[]> {
  return scene.baton.engine.store.readAudit(promotionStream(id));
}

const ENGINES: EngineName[] = ['embedded', 'redis'];

describe.each(ENGINES)('one promotion at a time per environment (%s engine)', (engine) => {
  let scene: Scene | undefined;
  afterEach(async () => {
    await scene?.stop();
    scene = undefined;
  });

  it('runs two promotions asked for at the same moment one after the other, with no preview inside the other apply', async () => {
    scene = await startScene(engine, { components: ['app'], applyMs: 1000 });
    const { chat, dir } = scene;
    const ids = await Promise.all([
      promote(chat, 'alice', '/promote app=1.0.1 to dev'),
      promote(chat, 'bob', '/promote app=1.0.2 to dev'),
    ]);
    await settle(scene);

    for (const id of ids) {
      const root = await chat.promotionMessage(id);
      expect(root.message.text).toContain('succeeded');
      expect(threadLines(root).at(-1)).toMatch(new RegExp(`^Promotion #${id} succeeded`));
    }
    const windows = await applyWindows(dir, 'app');
    expect(windows.map((w) => w.promotion).sort()).toEqual([...ids].sort());
    const [first, second] = windows;
    if (!first || !second) throw new Error('two applies expected');
    expect(second.start).toBeGreaterThanOrEqual(first.end);
    expect(await previewsInsideOtherApplies(dir, 'app')).toEqual([]);
    // The one that went second planned only after the first had finished, on what the first left.
    const secondRoot = await chat.promotionMessage(second.promotion);
    expect(threadLines(secondRoot)).toContain(
      `Planning waits: promotion #${first.promotion} is using dev, and previews never run while another promotion changes it.`,
    );
    expect(await previewsOf(scene, second.promotion)).toContain(`will deploy ${second.version} over ${first.version}`);
    const firstRoot = await chat.promotionMessage(first.promotion);
    expect(threadLines(firstRoot).some((line) => line.startsWith('Planning waits'))).toBe(false);
    expect(await readFile(join(dir, 'app', 'version'), 'utf8')).toBe(second.version);
    expect((await scene.baton.engine.store.getLedger('dev')).app?.version).toBe(second.version);
  });

  it('plans a promotion asked for while another apply is half-written only after that apply', async () => {
    scene = await startScene(engine, { components: ['app'], applyMs: 0 });
    const s = scene;
    const hold = join(s.dir, 'app', 'hold');
    await writeFile(hold, '');
    const one = await promote(s.chat, 'alice', '/promote app=1.0.1 to dev');
    await untilHalfWritten(s, 'app');
    const two = await promote(s.chat, 'bob', '/promote app=1.0.2 to dev');
    const waiting = await until(
      async () =>
        (await auditOf(s, two)).find((r) => r.type === 'promotion.waiting' || r.type === 'promotion.plan_failed'),
      20_000,
      `#${two} to wait or fail`,
    );
    expect(waiting.summary).toBe(
      `Planning waits: promotion #${one} is using dev, and previews never run while another promotion changes it.`,
    );
    expect((await promotionOf(s, two)).state).toBe('planning');
    await rm(hold);
    await settle(s);

    expect((await promotionOf(s, one)).state).toBe('succeeded');
    expect((await promotionOf(s, two)).state).toBe('succeeded');
    expect(await previewsInsideOtherApplies(s.dir, 'app')).toEqual([]);
    const root = await s.chat.promotionMessage(two);
    expect(threadLines(root)).toContain(waiting.summary);
    expect(await previewsOf(s, two)).toContain('will deploy 1.0.2 over 1.0.1');
  });

  it('runs ten promotions asked for at the same moment in turn, all of them successfully', async () => {
    scene = await startScene(engine, { components: ['app'], applyMs: 0 });
    const s = scene;
    // The first apply is held until every request has been planned or has said whom it waits for.
    const hold = join(s.dir, 'app', 'hold');
    await writeFile(hold, '');
    const versions = Array.from({ length: 10 }, (_, i) => `2.0.${i}`);
    const ids = await Promise.all(
      versions.map((version, i) => promote(s.chat, `user${i}`, `/promote app=${version} to dev`)),
    );
    const firstTurns = await until(
      async () => {
        const turns = await Promise.all(
          ids.map(async (id) =>
            (await auditOf(s, id)).find((r) =>
              ['promotion.waiting', 'promotion.planned', 'promotion.plan_failed'].includes(r.type),
            ),
          ),
        );
        return turns.every((turn) => turn !== undefined) ? turns : undefined;
      },
      20_000,
      'every request to be planned or to wait',
    );
    expect(firstTurns.filter((turn) => turn?.type === 'promotion.waiting')).toHaveLength(9);
    for (const turn of firstTurns.filter((t) => t?.type === 'promotion.waiting'))
      expect(turn?.summary).toMatch(/^Planning waits: promotion #\d+ is using dev/);
    await rm(hold);
    await settle(s, 45_000);

    for (const id of ids) expect((await promotionOf(s, id)).state).toBe('succeeded');
    const windows = await applyWindows(s.dir, 'app');
    expect(windows.map((w) => w.promotion).sort()).toEqual([...ids].sort());
    for (let i = 1; i < windows.length; i += 1)
      expect(windows[i]?.start).toBeGreaterThanOrEqual(windows[i - 1]?.end ?? Infinity);
    expect(await previewsInsideOtherApplies(s.dir, 'app')).toEqual([]);
    // The one that did not wait went first; each of the others planned on what the one before it left.
    expect(firstTurns[ids.indexOf(windows[0]?.promotion ?? '')]?.type).toBe('promotion.planned');
    for (let i = 1; i < windows.length; i += 1) {
      const root = await s.chat.promotionMessage(windows[i]?.promotion ?? '');
      expect(threadLines(root).some((line) => /^Planning waits: promotion #\d+ is using dev/.test(line))).toBe(true);
      expect(await previewsOf(s, windows[i]?.promotion ?? '')).toContain(
        `will deploy ${windows[i]?.version} over ${windows[i - 1]?.version}`,
      );
    }
    expect((await s.baton.engine.store.getLedger('dev')).app?.version).toBe(windows.at(-1)?.version);
  });
});

describe.each(ENGINES)('approvals bind to the plan (%s engine)', (engine) => {
  let scene: Scene | undefined;
  afterEach(async () => {
    await scene?.stop();
    scene = undefined;
  });

  /** #1 and #2 both await approval; #2 is approved while #1's apply is half-written, so it waits for dev. */
  async function approveSecondWhileFirstApplies(
    s: Scene,
    first: { component: string; text: string },
    second: string,
  ): Promise<{ one: string; two: string }> {
    const one = await promote(s.chat, 'alice', first.text);
    await untilState(s, one, 'awaiting_approval');
    const two = await promote(s.chat, 'alice', second);
    await untilState(s, two, 'awaiting_approval');
    await s.baton.idle();
    expect(buttonsOf((await s.chat.promotionMessage(two)).message).map((b) => b.actionId)).toContain('approve');

    const hold = join(s.dir, first.component, 'hold');
    await writeFile(hold, '');
    expect(replyText(await s.chat.click('bob', 'approve', one))).toContain(`You approved promotion #${one}`);
    await untilHalfWritten(s, first.component);
    expect(replyText(await s.chat.click('bob', 'approve', two))).toBe(
      `You approved promotion #${two}; it has all 1 approval it needs.`,
    );
    // Approved while #1 applies: it keeps its turn and does not start.
    expect((await promotionOf(s, one)).state).toBe('running');
    expect((await promotionOf(s, two)).state).toBe('approved');
    await rm(hold);
    await untilState(s, one, 'succeeded');
    return { one, two };
  }

  it('asks for approval again when the plan changed, says what changed, and runs once approved again', async () => {
    scene = await startScene(engine, { components: ['app'], applyMs: 0, approvals: true });
    const s = scene;
    const { one, two } = await approveSecondWhileFirstApplies(
      s,
      { component: 'app', text: '/promote app=1.0.1 to dev' },
      '/promote app=1.0.2 to dev',
    );
    const again = await until(
      async () => {
        const promotion = await promotionOf(s, two);
        return ['awaiting_approval', 'succeeded', 'failed'].includes(promotion.state) ? promotion : undefined;
      },
      20_000,
      `promotion #${two} to stop`,
    );
    await s.baton.idle();

    expect(again.state).toBe('awaiting_approval');
    expect(again.approvals).toEqual([]);
    const replanned = (await auditOf(s, two)).find((r) => r.type === 'promotion.replanned');
    expect(replanned?.data?.changes).toEqual([
      'app: will deploy 1.0.2 over 1.0.1 (was: will deploy 1.0.2 over nothing)',
    ]);
    const types = (await auditOf(s, two)).map((r) => r.type);
    expect(types.indexOf('promotion.replanning')).toBeGreaterThan(types.indexOf('approval.granted'));
    expect(types.indexOf('promotion.replanned')).toBeGreaterThan(types.indexOf('promotion.replanning'));
    expect(types).not.toContain('promotion.started');

    const root = await s.chat.promotionMessage(two);
    const thread = threadLines(root);
    expect(thread).toContain(`Waiting: promotion #${one} is using dev; this one starts when it finishes.`);
    expect(thread).toContain(
      `dev changed since promotion #${two} was planned: planning again before it starts. It goes on if the plan is the same, and asks for approval again if it is not.`,
    );
    expect(thread).toContain(
      `Planned promotion #${two} again and the plan changed, so it needs approval again: app: will deploy 1.0.2 over 1.0.1 (was: will deploy 1.0.2 over nothing).`,
    );
    expect(root.message.text).toContain('awaiting approval');
    expect(messageText(root.message)).toContain('Approvals: 0 of 1');
    expect(await previewsOf(s, two)).toContain('will deploy 1.0.2 over 1.0.1');
    expect(buttonsOf(root.message).find((b) => b.actionId === 'approve')?.value).toBe(two);
    expect(await readFile(join(s.dir, 'app', 'version'), 'utf8')).toBe('1.0.1');

    // The earlier approval no longer counts: bob's click is a new one, and it runs the new plan.
    expect(replyText(await s.chat.click('bob', 'approve', two))).toBe(
      `You approved promotion #${two}; it has all 1 approval it needs.`,
    );
    await settle(s);
    expect((await promotionOf(s, two)).state).toBe('succeeded');
    expect(
      threadLines(await s.chat.promotionMessage(two)).filter((line) => line === 'bob approved (1 of 1).'),
    ).toHaveLength(2);
    expect(await readFile(join(s.dir, 'app', 'version'), 'utf8')).toBe('1.0.2');
    expect(await previewsInsideOtherApplies(s.dir, 'app')).toEqual([]);
  });

  it('goes on without a second approval when the environment changed but the plan did not', async () => {
    scene = await startScene(engine, { components: ['app', 'docs'], applyMs: 0, approvals: true });
    const s = scene;
    const { one, two } = await approveSecondWhileFirstApplies(
      s,
      { component: 'docs', text: '/promote docs=2.0 to dev' },
      '/promote app=1.0.2 to dev',
    );
    await settle(s);

    const done = await promotionOf(s, two);
    expect(done.state).toBe('succeeded');
    expect(done.approvals.map((a) => a.user)).toEqual(['bob']);
    const records = await auditOf(s, two);
    const types = records.map((r) => r.type);
    expect(types).toContain('promotion.replanning');
    expect(types.indexOf('promotion.replanned')).toBeGreaterThan(types.indexOf('promotion.replanning'));
    expect(types.indexOf('promotion.started')).toBeGreaterThan(types.indexOf('promotion.replanned'));
    expect(records.find((r) => r.type === 'promotion.replanned')?.data?.changes).toEqual([]);
    expect(types.filter((t) => t === 'approval.granted')).toHaveLength(1);

    const thread = threadLines(await s.chat.promotionMessage(two));
    expect(thread).toContain(`Waiting: promotion #${one} is using dev; this one starts when it finishes.`);
    expect(thread).toContain(
      `Planned promotion #${two} again: the plan is the same as the one approved, so it goes on.`,
    );
    expect(thread.filter((line) => line === 'bob approved (1 of 1).')).toHaveLength(1);
    expect(thread.at(-1)).toMatch(new RegExp(`^Promotion #${two} succeeded`));
    expect(await readFile(join(s.dir, 'app', 'version'), 'utf8')).toBe('1.0.2');
    expect(await readFile(join(s.dir, 'docs', 'version'), 'utf8')).toBe('2.0');
  });
});
