/**
 * Live drift: what each component's target runs now, by its adapter's
 * `current()`, against what Baton's ledger says it promoted there. A target
 * that cannot be read within a bound is reported as such, never allowed to
 * hold up the whole check.
 */
import { errorMessage } from '../errors.ts';
import type { Component, LedgerEntry, Promotion, Step } from './model.ts';
import { environmentNamed, nowIso, type CoreRuntime } from './runtime.ts';
import { prepareStep } from './step-context.ts';
import { untilAborted } from './step-runner.ts';

/** How long one target may take to say what it runs. */
export const DRIFT_READ_TIMEOUT_MS = 30_000;
const READS_AT_ONCE = 8;
/** What a target says is shown in chat: a runaway line or error must not become the whole message. */
const VERSION_SHOWN = 100;
const REASON_SHOWN = 500;

function shortened(text: string, most: number): string {
  return text.length > most ? `${text.slice(0, most - 1)}…` : text;
}

/** Who put the ledger's version there, for people to read. */
export interface Promoted {
  version: string;
  promotionId: string;
  by?: string;
}

export type ComponentDrift =
  /** The target runs what Baton promoted (or, where Baton promoted nothing, nothing). */
  | { component: string; state: 'same'; promoted?: Promoted; observed: string | null }
  /** The target runs something else than Baton promoted. */
  | { component: string; state: 'drifted'; promoted: Promoted; observed: string }
  /** Baton promoted nothing here, and the target runs something: not drift, only not Baton's yet. */
  | { component: string; state: 'untracked'; observed: string }
  /** Baton promoted a version, and the target reports none: it has no way to tell (a script without `current`), or nothing runs there. */
  | { component: string; state: 'unobserved'; promoted: Promoted }
  /** Asking the target failed or took too long. */
  | { component: string; state: 'unreadable'; promoted?: Promoted; reason: string };

export interface DriftReport {
  environment: string;
  at: string;
  components: ComponentDrift[];
  /** The promotion using the environment while it was read: what it changes may show as drift. */
  changingBy?: string;
}

function promotedBy(
  entry: LedgerEntry | undefined,
  promotions: ReadonlyMap<string, Promotion | undefined>,
): Promoted | undefined {
  if (!entry) return undefined;
  const by = promotions.get(entry.promotionId)?.requestedBy;
  return { version: entry.version, promotionId: entry.promotionId, ...(by ? { by } : {}) };
}

/** A promotion that is never stored: the context `current()` is asked in, at the version the ledger holds. */
function readingPromotion(
  runtime: CoreRuntime,
  environment: string,
  component: Component,
  entry: LedgerEntry | undefined,
): { promotion: Promotion; step: Step } {
  const at = nowIso(runtime);
  const version = entry?.version ?? '';
  const step: Step = {
    id: `drift.${environment}.${component.name}`,
    component: component.name,
    adapter: component.adapter,
    version,
    previousVersion: entry?.version ?? null,
    needs: [],
    wave: 0,
    preview: null,
    status: 'pending',
    attempts: 0,
    outputs: {},
    log: [],
  };
  const promotion: Promotion = {
    id: 'drift',
    release: { name: 'drift', versions: { [component.name]: version } },
    environment,
    requestedBy: 'baton',
    requestedAt: at,
    channel: '',
    state: 'planning',
    steps: [step],
    waves: [[component.name]],
    approvals: [],
    updatedAt: at,
  };
  return { promotion, step };
}

type Reading = { observed: string | null; shown: string } | { reason: string };

/** Asks one target what it runs, within `timeoutMs`; what it says is shown redacted like a step's words, and cut short. */
async function readTarget(
  runtime: CoreRuntime,
  environment: string,
  component: Component,
  entry: LedgerEntry | undefined,
  timeoutMs: number,
): Promise<Reading> {
  const { promotion, step } = readingPromotion(runtime, environment, component, entry);
  let prepared;
  try {
    prepared = await prepareStep(runtime, promotion, step, 'fail');
  } catch (error) {
    return { reason: shortened(errorMessage(error), REASON_SHOWN) };
  }
  const bounded = new AbortController();
  const bound = timeoutMs < 1000 ? `${timeoutMs}ms` : `${Math.round(timeoutMs / 1000)}s`;
  const timer = setTimeout(() => bounded.abort(new Error(`it did not answer within ${bound}`)), timeoutMs);
  const stop = () => bounded.abort(prepared.context.signal.reason);
  prepared.context.signal.addEventListener('abort', stop, { once: true });
  try {
    const observed = await untilAborted(
      prepared.adapter.current({ ...prepared.context, signal: bounded.signal }),
      bounded.signal,
    );
    return {
      observed: observed.version,
      shown: shortened(prepared.redactor.redact(observed.version ?? ''), VERSION_SHOWN),
    };
  } catch (error) {
    return { reason: shortened(prepared.redactor.redact(errorMessage(error)), REASON_SHOWN) };
  } finally {
    clearTimeout(timer);
    prepared.context.signal.removeEventListener('abort', stop);
    prepared.dispose();
  }
}

function judge(component: string, promoted: Promoted | undefined, read: Reading): ComponentDrift {
  if ('reason' in read)
    return { component, state: 'unreadable', ...(promoted ? { promoted } : {}), reason: read.reason };
  const { observed, shown } = read;
  if (observed === (promoted?.version ?? null))
    return { component, state: 'same', ...(promoted ? { promoted } : {}), observed };
  if (!promoted) return { component, state: 'untracked', observed: shown };
  if (observed === null) return { component, state: 'unobserved', promoted };
  return { component, state: 'drifted', promoted, observed: shown };
}

/** Reads every component's target in the environment, a few at a time, and compares each with the ledger. */
export async function observeDrift(
  runtime: CoreRuntime,
  environmentName: string,
  timeoutMs = DRIFT_READ_TIMEOUT_MS,
): Promise<DriftReport> {
  const environment = environmentNamed(runtime, environmentName);
  const [ledger, holder] = await Promise.all([
    runtime.store.getLedger(environment.name),
    runtime.store.lockHolder(environment.name),
  ]);
  const ids = [...new Set(Object.values(ledger).map((entry) => entry.promotionId))];
  const promotions = new Map(
    await Promise.all(ids.map(async (id) => [id, await runtime.store.getPromotion(id)] as const)),
  );
  const components = runtime.pipeline.components;
  const results: ComponentDrift[] = new Array<ComponentDrift>(components.length);
  let next = 0;
  const reader = async () => {
    for (let index = next++; index < components.length; index = next++) {
      const component = components[index];
      if (!component) return;
      const entry = ledger[component.name];
      results[index] = judge(
        component.name,
        promotedBy(entry, promotions),
        await readTarget(runtime, environment.name, component, entry, timeoutMs),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, components.length) }, reader));
  return {
    environment: environment.name,
    at: nowIso(runtime),
    components: results,
    ...(holder ? { changingBy: holder } : {}),
  };
}

function promotedText(promoted: Promoted | undefined): string {
  return promoted
    ? `Baton promoted ${promoted.version} (#${promoted.promotionId}${promoted.by ? `, by ${promoted.by}` : ''})`
    : 'Baton has promoted nothing here';
}

/** One line per component: "api: Baton promoted 1.4.2 (#12, by alice); the target runs 1.4.3". */
export function driftLine(drift: ComponentDrift): string {
  const promoted = promotedText(drift.state === 'untracked' ? undefined : drift.promoted);
  switch (drift.state) {
    case 'same':
      return `${drift.component}: ${drift.promoted ? `runs ${drift.promoted.version} as Baton promoted it (#${drift.promoted.promotionId})` : 'nothing promoted, nothing running'}`;
    case 'drifted':
      return `${drift.component}: ${promoted}; the target runs ${drift.observed}`;
    case 'untracked':
      return `${drift.component}: ${promoted}; the target runs ${drift.observed}`;
    case 'unobserved':
      return `${drift.component}: ${promoted}; the target reports no version (its adapter cannot tell, or nothing runs there)`;
    case 'unreadable':
      return `${drift.component}: ${promoted}; could not read the target: ${drift.reason}`;
  }
}

/** The drifted components, as a stable key: a scheduled check posts only when it changes. */
export function driftSignature(report: DriftReport): string {
  return report.components
    .flatMap((c) => (c.state === 'drifted' ? [`${c.component}=${c.promoted.version}→${c.observed}`] : []))
    .sort()
    .join(',');
}
