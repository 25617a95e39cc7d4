/**
 * What the chaos tests share: a seeded random source, a small pipeline of
 * `script` components whose apply leaves one line per real side effect in a
 * log, what users were told (replies and thread messages) and the checks
 * that every such thing is in the audit log, that no side effect happened
 * twice and that every audit chain holds.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyAuditChain, type AuditRecord, type AuditType } from '../../src/core/audit-record.ts';
import type { EvidenceBundle } from '../../src/core/evidence.ts';
import type { PromotionState } from '../../src/core/model.ts';
import type { Reply } from '../../src/chat/contract.ts';
import type { RootMessageView } from '../../src/chat/console/message-store.ts';
import { EVIDENCE_HEADERS } from '../support/api-tokens.ts';
import { buttonsOf, messageText, replyText, type ConsoleClient } from '../support/console-client.ts';

/** A number from the environment (CHAOS_KILLS, CHAOS_SECONDS…), or `fallback`. */
export function chaosSetting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number, not "${text}".`);
  return value;
}

export interface Random {
  /** A whole number from `min` to `max`, both included. */
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: small, fast and the same on every machine, so a seed replays the same decisions. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from nothing');
      return item;
    },
  };
  return random;
}

const COMPONENTS = ['db', 'api', 'web', 'worker'] as const;

// Bash, so a run costs milliseconds. A deploy takes DEPLOY_MIN_MS plus up to DEPLOY_SPREAD_MS (from its step id, so a
// seed replays it), and prints to stdout only at once: a program whose Baton died gets SIGPIPE when it writes to its pipe.
const APPLY_SCRIPT = `# One deploy. The side effect (a line in side-effects.log, appended with O_APPEND) happens once per
# step id: a run that finds its step id there already only makes sure the target says the version.
log="$SCENE/side-effects.log"
target="$SCENE/targets/$BATON_ENVIRONMENT.$BATON_COMPONENT"
echo "$BATON_STEP_ID" >> "$SCENE/applies.log"
case "$BATON_VERSION" in *-broken) echo "$BATON_VERSION is a broken build" >&2; exit 1 ;; esac
if ! grep -qxF "$BATON_STEP_ID" "$log" 2>/dev/null; then
  ms=$(( $(printf '%s' "$BATON_STEP_ID" | cksum | cut -d' ' -f1) % DEPLOY_SPREAD_MS + DEPLOY_MIN_MS ))
  sleep "$(( ms / 1000 )).$(printf '%03d' $(( ms % 1000 )))"
  echo "$BATON_STEP_ID" >> "$log"
fi
printf '%s\\n' "$BATON_VERSION" > "$target.$$" && mv -f "$target.$$" "$target"
`;

const CURRENT_SCRIPT = `cat "$SCENE/targets/$BATON_ENVIRONMENT.$BATON_COMPONENT" 2>/dev/null || true
`;

const ROLLBACK_SCRIPT = `# Puts back what ran before; its side effect, too, once per step id.
log="$SCENE/side-effects.log"
target="$SCENE/targets/$BATON_ENVIRONMENT.$BATON_COMPONENT"
if ! grep -qxF "rollback.$BATON_STEP_ID" "$log" 2>/dev/null; then
  sleep 0.1
  echo "rollback.$BATON_STEP_ID" >> "$log"
fi
printf '%s\\n' "$BATON_ROLLBACK_TO" > "$target.$$" && mv -f "$target.$$" "$target"
`;

/**
 * Writes the scripts and a config into `dir`: dev (no approval) and staging
 * (one approval, not by the requester), and db ← api ← web, db ← worker,
 * whose deploys take `minMs` plus up to `spreadMs`. Returns the config's path.
 */
export async function writeChaosScene(dir: string, deploy: { minMs: number; spreadMs: number }): Promise<string> {
  await mkdir(join(dir, 'targets'), { recursive: true });
  await writeFile(join(dir, 'side-effects.log'), '');
  await writeFile(join(dir, 'apply.sh'), APPLY_SCRIPT);
  await writeFile(join(dir, 'current.sh'), CURRENT_SCRIPT);
  await writeFile(join(dir, 'rollback.sh'), ROLLBACK_SCRIPT);
  const needs: Record<(typeof COMPONENTS)[number], string[]> = { db: [], api: ['db'], web: ['api'], worker: ['db'] };
  const components = COMPONENTS.map(
    (name) => `  ${name}:
    adapter: script
    needs: [${needs[name].join(', ')}]
    with:
      apply: [bash, apply.sh]
      current: [bash, current.sh]
      rollback: [bash, rollback.sh]
      env: { SCENE: "${dir}", DEPLOY_MIN_MS: "${deploy.minMs}", DEPLOY_SPREAD_MS: "${deploy.spreadMs}" }
`,
  ).join('');
  const configPath = join(dir, 'baton.yaml');
  await writeFile(
    configPath,
    `version: 1
environments:
  - name: dev
    channel: "#deploys"
  - name: staging
    channel: "#deploys"
    approvals: { required: 1 }
components:
${components}`,
  );
  return configPath;
}

/** The lines of the side-effects log: step ids of applies, `rollback.<step id>` of rollbacks. */
export async function sideEffects(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'side-effects.log'), 'utf8')).split('\n').filter((line) => line !== '');
}

/** How many times apply ran at all (including runs that found their side effect done). */
export async function applyRuns(dir: string): Promise<number> {
  const text = await readFile(join(dir, 'applies.log'), 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '').length;
}

/** Side effects that happened more than once. */
export function doubledSideEffects(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([line]) => line);
}

/** What a user was told succeeded, and the audit record that must say so. */
export interface ToldAction {
  promotionId: string;
  user: string;
  what: 'requested' | 'approved' | 'rejected' | 'rollback';
  /** When (which life) it was told, for the failure message. */
  life: number;
}

const RECORD_OF: Record<ToldAction['what'], AuditType> = {
  requested: 'promotion.requested',
  approved: 'approval.granted',
  rejected: 'promotion.rejected',
  rollback: 'rollback.requested',
};

/** Audit types never posted to a thread (the root message says them, or they are click noise). */
const UNPOSTED: readonly AuditType[] = [
  'promotion.requested',
  'promotion.planned',
  'approval.refused',
  'approval.duplicate',
  'rollback.refused',
];

/** Everything users were told: replies to their actions, and thread messages they could read. */
export class Told {
  readonly actions: ToldAction[] = [];
  /** Per promotion, the text of every thread reply seen. */
  readonly thread = new Map<string, Set<string>>();
  /** Promotions whose thread gained replies since the last `takeUnchecked`. */
  private unchecked = new Set<string>();

  action(action: ToldAction): void {
    this.actions.push(action);
    this.unchecked.add(action.promotionId);
  }

  /** Notes the thread replies of every promotion message in a console snapshot. */
  sawMessages(messages: readonly RootMessageView[]): void {
    for (const root of messages) {
      const id = /^Promotion #(\d+):/.exec(root.message.text)?.[1];
      if (!id) continue;
      const seen = this.thread.get(id) ?? new Set<string>();
      for (const reply of root.thread) {
        if (!seen.has(reply.message.text)) {
          seen.add(reply.message.text);
          this.unchecked.add(id);
        }
      }
      this.thread.set(id, seen);
    }
  }

  /** The promotions with something told since the last call. */
  takeUnchecked(): string[] {
    const ids = [...this.unchecked];
    this.unchecked = new Set();
    return ids;
  }

  ids(): string[] {
    return [...new Set([...this.actions.map((a) => a.promotionId), ...this.thread.keys()])];
  }
}

/** The evidence bundle of promotion `id`, or undefined when there is no such promotion. */
export async function evidenceOf(baseUrl: string, id: string): Promise<EvidenceBundle | undefined> {
  const response = await fetch(`${baseUrl}/api/promotions/evidence?id=${id}`, { headers: EVIDENCE_HEADERS });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`evidence of #${id}: ${response.status} ${await response.text()}`);
  return (await response.json()) as EvidenceBundle;
}

/** Whether `text` is the summaries of consecutive posted records, one per line (a coalesced reply carries several). */
function postedFrom(text: string, records: readonly AuditRecord[]): boolean {
  const posted = records.filter((r) => !UNPOSTED.includes(r.type)).map((r) => r.summary);
  for (let start = 0; start < posted.length; start += 1) {
    let joined = '';
    for (let end = start; end < posted.length && joined.length < text.length; end += 1) {
      joined = end === start ? (posted[end] ?? '') : `${joined}\n${posted[end] ?? ''}`;
      if (joined === text) return true;
      if (!text.startsWith(joined)) break;
    }
  }
  return false;
}

/**
 * What is wrong with one promotion's records against what users were told:
 * a told action without its record, a thread message no record says, a
 * chain that does not hold against the promotion's anchor.
 */
export function recordProblems(id: string, bundle: EvidenceBundle | undefined, told: Told): string[] {
  const actions = told.actions.filter((a) => a.promotionId === id);
  if (!bundle)
    return [
      `promotion #${id} is gone, though users were told: ${actions.map((a) => `${a.what} by ${a.user} (life ${a.life})`).join(', ') || 'its thread'}`,
    ];
  const problems: string[] = [];
  const chain = verifyAuditChain(bundle.events, bundle.promotion.audit ? { anchor: bundle.promotion.audit } : {});
  if (!bundle.chain.intact || !chain.intact)
    problems.push(`#${id}: audit chain broken: ${bundle.chain.problem ?? chain.problem ?? '?'}`);
  if (!bundle.promotion.audit) problems.push(`#${id}: the promotion carries no audit anchor`);
  for (const action of actions) {
    if (!bundle.events.some((r) => r.type === RECORD_OF[action.what] && r.actor === action.user)) {
      problems.push(
        `#${id}: ${action.user} was told "${action.what}" (life ${action.life}), and the audit log has no ${RECORD_OF[action.what]} by ${action.user}`,
      );
    }
  }
  for (const text of told.thread.get(id) ?? []) {
    if (!postedFrom(text, bundle.events))
      problems.push(`#${id}: the thread said "${text}", and no audit record says it`);
  }
  return problems;
}

/** Settled: finished, or waiting for an approval nobody gave since its last plan. */
function settled(bundle: EvidenceBundle): boolean {
  const terminal: readonly PromotionState[] = ['succeeded', 'failed', 'rejected', 'rolled_back', 'interrupted'];
  if (terminal.includes(bundle.promotion.state)) return true;
  if (bundle.promotion.state !== 'awaiting_approval') return false;
  const lastPlan = bundle.events.findLastIndex(
    (r) => r.type === 'promotion.planned' || r.type === 'promotion.replanned',
  );
  return !bundle.events.slice(lastPlan + 1).some((r) => r.type === 'approval.granted');
}

/** Every promotion there is: ids are given out in order, though a crash may leave gaps. */
async function allPromotions(baseUrl: string, known: readonly string[]): Promise<Map<string, EvidenceBundle>> {
  const found = new Map<string, EvidenceBundle>();
  const highest = Math.max(0, ...known.map(Number));
  for (let id = 1, misses = 0; id <= highest || misses < 20; id += 1) {
    const bundle = await evidenceOf(baseUrl, String(id));
    if (bundle) found.set(String(id), bundle);
    misses = bundle ? 0 : misses + 1;
  }
  return found;
}

function described({ promotion: p, events }: EvidenceBundle): string {
  return `#${p.id} ${p.state}${p.reason ? ` (${p.reason})` : ''}; last records: ${events
    .slice(-3)
    .map((r) => r.type)
    .join(', ')}`;
}

/**
 * Every promotion once each is settled, and those still unsettled after
 * `slowMs` (for the counts: a promotion that waited long). Fails naming
 * those not settled after `timeoutMs`.
 */
export async function untilSettled(
  baseUrl: string,
  told: Told,
  options: { timeoutMs: number; slowMs: number; seed: number },
): Promise<{ bundles: Map<string, EvidenceBundle>; slow: string[] }> {
  const began = Date.now();
  let slow: string[] = [];
  for (;;) {
    const all = await allPromotions(baseUrl, told.ids());
    const waiting = [...all.values()].filter((b) => !settled(b));
    if (waiting.length === 0) return { bundles: all, slow };
    if (Date.now() - began > options.timeoutMs) {
      throw new Error(
        `promotions still not finished ${options.timeoutMs / 1000} s after the last kill (CHAOS_SEED=${options.seed}):\n${waiting.map(described).join('\n')}`,
      );
    }
    if (slow.length === 0 && Date.now() - began > options.slowMs) slow = waiting.map(described);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Everything wrong once the promotions settled: a told action or thread
 * message without its record, a broken chain, a side effect done twice, a
 * step recorded as applied whose side effect never happened.
 */
export async function finalProblems(
  bundles: Map<string, EvidenceBundle>,
  told: Told,
  dir: string,
): Promise<{ problems: string[]; effects: string[]; applied: string[] }> {
  const problems: string[] = [];
  for (const [id, bundle] of bundles) problems.push(...recordProblems(id, bundle, told));
  for (const id of told.ids()) if (!bundles.has(id)) problems.push(...recordProblems(id, undefined, told));
  const effects = await sideEffects(dir);
  problems.push(...doubledSideEffects(effects).map((line) => `side effect ${line} happened more than once`));
  const applied = [...bundles.values()].flatMap(appliedStepIds);
  problems.push(
    ...applied
      .filter((id) => !effects.includes(id))
      .map((id) => `step ${id} is recorded as applied, and its side effect never happened`),
  );
  return { problems, effects, applied };
}

/** A line of counts: promotions by state, and how often the records say a kill was recovered from. */
export function promotionCounts(bundles: Map<string, EvidenceBundle>): string {
  const states = new Map<string, number>();
  for (const { promotion } of bundles.values()) states.set(promotion.state, (states.get(promotion.state) ?? 0) + 1);
  const events = [...bundles.values()].flatMap((b) => b.events);
  const count = (test: (r: AuditRecord) => boolean) => events.filter(test).length;
  return (
    `promotions: ${bundles.size} (${[...states].map(([state, n]) => `${n} ${state}`).join(', ')}); after kills: ` +
    `${count((r) => r.type === 'step.started' && r.summary.startsWith('Resuming'))} steps taken over, ${count((r) => r.type === 'step.recovered')} found done, ` +
    `${count((r) => r.type === 'promotion.interrupted')} promotions interrupted`
  );
}

/** Steps the records say applied (succeeded, or found done after a crash): each must have left its side effect. */
function appliedStepIds(bundle: EvidenceBundle): string[] {
  return bundle.events
    .filter((r) => (r.type === 'step.succeeded' || r.type === 'step.recovered') && r.stepId)
    .map((r) => r.stepId ?? '');
}

/** What users can do next, read off the promotion messages: approve one waiting, roll back one that offers it. */
function openWork(messages: readonly RootMessageView[]): {
  approvable: string[];
  rollbackable: string[];
  busy: number;
} {
  const approvable: string[] = [];
  const rollbackable: string[] = [];
  let busy = 0;
  for (const root of messages) {
    const id = /^Promotion #(\d+):/.exec(root.message.text)?.[1];
    if (!id) continue;
    const actions = buttonsOf(root.message).map((b) => b.actionId);
    if (actions.includes('approve')) approvable.push(id);
    if (actions.includes('rollback')) rollbackable.push(id);
    if (/State: (planning…|approved, waiting to start|running|rolling back)/.test(messageText(root.message))) busy += 1;
  }
  return { approvable, rollbackable, busy };
}

/**
 * alice requests and rolls back, bob approves (alice may withdraw her own
 * request): one turn reads the channel, notes what the thread says, and
 * does one thing. Every reply that says it worked goes into `told`.
 */
export class Users {
  private releases = 0;

  constructor(
    private readonly random: Random,
    readonly told: Told,
    /** Promotions at once beyond which nobody asks for another: the backlog must settle at the end. */
    private readonly maxBusy = 3,
  ) {}

  async turn(chat: ConsoleClient, life: number, sending: () => void): Promise<void> {
    const { random, told } = this;
    const messages = await chat.messages();
    told.sawMessages(messages);
    const { approvable, rollbackable, busy } = openWork(messages);
    const act = async (
      what: ToldAction['what'],
      user: string,
      send: () => Promise<Reply>,
      success: RegExp,
    ): Promise<void> => {
      sending();
      const text = replyText(await send());
      const id = success.exec(text)?.[1];
      if (id) told.action({ promotionId: id, user, what, life });
    };
    if (approvable.length > 0 && random.chance(0.6)) {
      const id = random.pick(approvable);
      if (random.chance(0.1))
        await act(
          'rejected',
          'alice',
          () => chat.click('alice', 'reject', id, 'not today'),
          /^You rejected promotion #(\d+)/,
        );
      else await act('approved', 'bob', () => chat.click('bob', 'approve', id), /^You approved promotion #(\d+)/);
    } else if (rollbackable.length > 0 && random.chance(0.2)) {
      const id = random.pick(rollbackable);
      await act('rollback', 'alice', () => chat.click('alice', 'rollback', id), /^Rolling back promotion #(\d+)/);
    } else if (busy < this.maxBusy) {
      this.releases += 1;
      const version = `1.${this.releases}.0`;
      const names = random.pick([COMPONENTS, ['api', 'web'], ['db', 'worker'], ['worker']] as const);
      const broken = random.chance(0.12) ? names.at(-1) : undefined;
      const release = names.map((name) => `${name}=${version}${name === broken ? '-broken' : ''}`).join(' ');
      const environment = random.pick(['dev', 'staging']);
      await act(
        'requested',
        'alice',
        () => chat.command('alice', `/promote ${release} to ${environment}`),
        /^Planning promotion #(\d+)/,
      );
    }
  }
}

/** The pids of the processes whose step programs run now (from the data dir's program registry): to kill one mid-step. */
export async function stepRunners(dataDir: string): Promise<number[]> {
  const names = await readdir(join(dataDir, 'programs')).catch(() => []);
  const parents = await Promise.all(
    names
      .filter((name) => /^\d+\.json$/.test(name))
      .map(async (name) => {
        const stat = await readFile(`/proc/${name.replace('.json', '')}/stat`, 'utf8').catch(() => '');
        // Field 4, after the command name in parentheses, is the parent pid.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      }),
  );
  return parents.filter((pid) => pid > 1);
}
