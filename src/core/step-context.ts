/**
 * Builds what an adapter receives for one step: resolved settings, inputs,
 * a redacting log, and an abort signal that fires on timeout, on shutdown
 * and when this worker's hold on the step lapses.
 */
import { dirname, join, resolve } from 'node:path';
import type { AdapterContext, TargetAdapter } from './adapter-contract.ts';
import type { Ledger, Promotion, Step } from './model.ts';
import { valueToMask } from './outputs-at-rest.ts';
import { Redactor, sensitiveValuesInReach } from './redaction.ts';
import { describeRelease } from './release.ts';
import { componentNamed, type CoreRuntime } from './runtime.ts';
import { claimLapsed } from './step-claim.ts';
import { resolveStep } from './step-settings.ts';

const LOG_TAIL_LINES = 40;

export interface PreparedStep {
  adapter: TargetAdapter;
  context: AdapterContext<unknown>;
  redactor: Redactor;
  /** What the environment ran when the step was prepared. */
  ledger: Ledger;
  /** The last lines the step logged, redacted. */
  logTail: string[];
  timeoutMs: number;
  retries: number;
  /** Stops the timeout clock; call when the step is done. */
  dispose(): void;
}

export async function prepareStep(
  runtime: CoreRuntime,
  promotion: Promotion,
  step: Step,
  pendingOutputs: 'mark' | 'fail',
  options: {
    /** Fires when this worker's hold on the step's job lapses; the step is stopped, another worker runs it. */
    claim?: AbortSignal;
    /** Whose programs the step's are, for the supervisor: the step id, unless a rollback keeps its own apart. */
    programsOf?: string;
  } = {},
): Promise<PreparedStep> {
  const { claim, programsOf = step.id } = options;
  const component = componentNamed(runtime, step.component);
  const redactor = new Redactor();
  const ledger = await runtime.store.getLedger(promotion.environment);
  // Decrypted in memory only, to mask them wherever this step's words are kept.
  for (const value of sensitiveValuesInReach(promotion.steps, ledger)) {
    for (const shown of valueToMask(runtime.cipher, value)) redactor.add(shown);
  }
  const { adapter, config, inputs } = resolveStep(component, promotion, step, {
    adapters: runtime.adapters,
    secrets: runtime.secrets,
    cipher: runtime.cipher,
    redactor,
    ledger,
    pendingOutputs,
  });
  const timeoutMs = component.timeoutMs ?? adapter.step.timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`${step.component} did not finish within ${Math.round(timeoutMs / 1000)}s`)),
    timeoutMs,
  );
  timer.unref();
  // Wired by hand, not with AbortSignal.any: a signal combined with one that lives as long as the process stays reachable from it.
  const handBack = () => controller.abort(runtime.stopping?.reason);
  if (runtime.stopping?.aborted) handBack();
  else runtime.stopping?.addEventListener('abort', handBack, { once: true });
  const letGo = () => controller.abort(claimLapsed(step));
  if (claim?.aborted) letGo();
  else claim?.addEventListener('abort', letGo, { once: true });
  const logTail: string[] = [];
  const context: AdapterContext<unknown> = {
    stepId: step.id,
    promotionId: promotion.id,
    requestedBy: promotion.requestedBy,
    release: describeRelease(promotion.release),
    environment: promotion.environment,
    component: step.component,
    version: step.version,
    previousVersion: step.previousVersion,
    config,
    inputs,
    log: (line) => {
      logTail.push(redactor.redact(line));
      if (logTail.length > LOG_TAIL_LINES) logTail.shift();
    },
    signal: controller.signal,
    workDir: join(runtime.workDir, step.component),
    configDir: resolve(dirname(runtime.pipeline.source)),
    redact: (text) => redactor.redact(text),
    programs: {
      started: (_stepId, pid) => runtime.programs.started(programsOf, pid),
      environmentFor: () => runtime.programs.environmentFor(programsOf),
    },
  };
  return {
    adapter,
    context,
    redactor,
    ledger,
    logTail,
    timeoutMs,
    retries: component.retries ?? adapter.step.retries,
    dispose: () => {
      clearTimeout(timer);
      runtime.stopping?.removeEventListener('abort', handBack);
      claim?.removeEventListener('abort', letGo);
    },
  };
}
