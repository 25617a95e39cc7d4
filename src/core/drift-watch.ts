/**
 * Scheduled drift checks for environments that ask for them (`drift: { every: 1h }`):
 * each check reads every target, and the environment's channel hears of it
 * only when drift appears, changes or clears — never once per check.
 */
import type { AuditRecord } from './audit-record.ts';
import { environmentStream } from './audit.ts';
import { driftLine, driftSignature, observeDrift } from './drift.ts';
import type { Environment } from './model.ts';
import type { CoreRuntime } from './runtime.ts';

const DRIFT_RECORDS: readonly AuditRecord['type'][] = ['environment.drifted', 'environment.drift_cleared'];

/** What the channel was last told of drift in the environment: the drifted components' signature, '' for none. */
async function lastToldSignature(runtime: CoreRuntime, environment: string): Promise<string> {
  const records = await runtime.store.readAudit(environmentStream(environment));
  const last = records.filter((r) => DRIFT_RECORDS.includes(r.type)).at(-1);
  return last?.type === 'environment.drifted' ? String(last.data?.signature ?? '') : '';
}

/** Checks one environment now; records (and so posts) a change of drift, and returns that record. */
export async function checkDrift(
  runtime: CoreRuntime,
  environment: Environment,
  timeoutMs?: number,
): Promise<AuditRecord | undefined> {
  const report = await observeDrift(runtime, environment.name, timeoutMs);
  const signature = driftSignature(report);
  if (signature === (await lastToldSignature(runtime, environment.name))) return undefined;
  const stream = environmentStream(environment.name);
  if (signature === '') {
    return runtime.audit.record(stream, {
      type: 'environment.drift_cleared',
      actor: 'baton',
      summary: `Drift in ${environment.name} cleared: every target Baton could read runs what Baton promoted.`,
      data: { signature },
    });
  }
  const drifted = report.components.filter((c) => c.state === 'drifted');
  return runtime.audit.record(stream, {
    type: 'environment.drifted',
    actor: 'baton',
    summary: `Drift in ${environment.name}: ${drifted.length === 1 ? 'a target runs' : `${drifted.length} targets run`} something else than Baton promoted.\n${drifted.map((c) => `• ${driftLine(c)}`).join('\n')}\n/promote drift ${environment.name} shows every component.`,
    data: {
      signature,
      drifted: drifted.map((c) => ({
        component: c.component,
        promoted: c.promoted ?? null,
        observed: c.state === 'drifted' ? c.observed : null,
      })),
    },
  });
}

/**
 * Runs the checks that are due, each environment on its own `every`; called
 * on a timer by each bot. A check waits while a promotion uses the
 * environment (what it changes is not drift), and bots sharing a store take
 * turns: one check per environment and period.
 */
export class DriftSchedule {
  private readonly lastChecked = new Map<string, number>();
  private busy = false;

  constructor(private readonly runtime: CoreRuntime) {}

  async checkDue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const environment of this.runtime.pipeline.environments) await this.checkIfDue(environment);
    } finally {
      this.busy = false;
    }
  }

  private async checkIfDue(environment: Environment): Promise<void> {
    const every = environment.driftEveryMs;
    if (every === undefined) return;
    const now = this.runtime.clock.now().getTime();
    const last = this.lastChecked.get(environment.name);
    if (last !== undefined && now - last < every) return;
    if (await this.runtime.store.lockHolder(environment.name)) return;
    this.lastChecked.set(environment.name, now);
    if (!(await this.runtime.store.claimOnce(`drift-check:${environment.name}:${Math.floor(now / every)}`, every)))
      return;
    try {
      await checkDrift(this.runtime, environment);
    } catch (error) {
      this.runtime.logger.warn(
        { err: error, environment: environment.name },
        `could not check ${environment.name} for drift`,
      );
    }
  }
}

/** Checks drift on a timer until the returned function is called. */
export function watchDrift(runtime: CoreRuntime, tickMs: number): () => void {
  if (!runtime.pipeline.environments.some((e) => e.driftEveryMs !== undefined)) return () => undefined;
  const schedule = new DriftSchedule(runtime);
  const timer = setInterval(() => {
    schedule
      .checkDue()
      .catch((error: unknown) => runtime.logger.warn({ err: error }, 'could not check environments for drift'));
  }, tickMs);
  timer.unref();
  return () => clearInterval(timer);
}
