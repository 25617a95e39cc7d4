/**
 * Runs one step of a running promotion: observe, apply (retrying what may
 * pass on retry), check outputs, verify, then record the result and move the
 * promotion on. Safe to run twice for the same step: a finished step is left
 * alone, and the adapter gets the same step id to recognise its own work.
 */
import type { Observed, Outputs, StepResult } from './adapter-contract.ts';
import { errorMessage } from '../errors.ts';
import { isRetryable, RetryableStepError } from './step-errors.ts';
import type { LedgerEntry, Promotion, Step } from './model.ts';
import type { PromotionEvent } from './audit.ts';
import { transition } from './gate.ts';
import { moveOn, resumeProgress } from './progress.ts';
import { observeCutStep, recoveredMove } from './recovery.ts';
import { encryptSensitiveOutputs } from './outputs-at-rest.ts';
import { maskSensitiveOutputs, sensitiveValues, type PublishedOutputs, type Redactor } from './redaction.ts';
import { componentNamed, nowIso, throwIfHandedBack, type CoreRuntime } from './runtime.ts';
import { holdStep, stillHeld, StepTakenOver, throwIfNotHeld } from './step-claim.ts';
import { prepareStep, type PreparedStep } from './step-context.ts';

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Rejects when the step's signal fires, even if the adapter ignores it. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function withStep(
  runtime: CoreRuntime,
  promotion: Promotion,
  stepId: string,
  change: (step: Step) => Step,
): Promotion {
  return {
    ...promotion,
    steps: promotion.steps.map((s) => (s.id === stepId ? change(s) : s)),
    updatedAt: nowIso(runtime),
  };
}

/** Whether a component must publish every output it declares. */
export function missingOutputs(runtime: CoreRuntime, step: Step, outputs: Record<string, string>): string[] {
  return componentNamed(runtime, step.component).outputs.filter((name) => !(name in outputs));
}

/** Marks the step running and records that it started; returns it, or undefined when there is nothing to do. */
async function claimStep(
  runtime: CoreRuntime,
  promotionId: string,
  stepId: string,
): Promise<{ step: Step; promotion: Promotion; resumed: boolean } | undefined> {
  let claimed: Step | undefined;
  let resumed = false;
  const { promotion } = await transition(runtime, promotionId, (p) => {
    claimed = undefined;
    const step = p.steps.find((s) => s.id === stepId);
    if (p.state !== 'running' || !step || (step.status !== 'queued' && step.status !== 'running')) return undefined;
    const running: Step = {
      ...step,
      status: 'running',
      attempts: step.attempts + 1,
      startedAt: step.startedAt ?? nowIso(runtime),
    };
    claimed = running;
    resumed = step.status === 'running';
    return {
      promotion: { ...p, steps: p.steps.map((s) => (s.id === stepId ? running : s)), updatedAt: nowIso(runtime) },
      events: [
        {
          type: 'step.started',
          actor: 'baton',
          stepId,
          summary:
            step.status === 'running'
              ? `Resuming ${step.component} ${step.version} (attempt ${running.attempts}) after an interruption.`
              : `Started ${step.component} ${step.version}${step.previousVersion ? ` (was ${step.previousVersion})` : ''}.`,
        },
      ],
    };
  });
  return claimed ? { step: claimed, promotion, resumed } : undefined;
}

/** Runs `work` (an apply or a rollback), trying again what may pass on retry, as often as the step allows. */
export async function retrying(
  runtime: CoreRuntime,
  prepared: PreparedStep,
  step: Step,
  work: () => Promise<StepResult>,
  /** Whether the promotion, as stored, still has this worker's run of the step: only then is a retry recorded. */
  held: (promotion: Promotion) => boolean,
): Promise<StepResult> {
  const { context } = prepared;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      throwIfNotHeld(error);
      if (!isRetryable(error) || attempt >= prepared.retries) throw error;
      // The target's own word on when to come back beats Baton's guess.
      const wait =
        error instanceof RetryableStepError && error.retryAfterMs !== undefined
          ? error.retryAfterMs
          : runtime.retryDelayMs * 2 ** attempt;
      const summary = prepared.redactor.redact(
        `${step.component}: attempt ${attempt + 1} failed (${errorMessage(error)}); trying again in ${Math.round(wait / 100) / 10}s.`,
      );
      await transition(runtime, context.promotionId, (p) =>
        held(p) ? { events: [{ type: 'step.retrying', actor: 'baton', stepId: step.id, summary }] } : undefined,
      );
      await delay(wait, context.signal);
    }
  }
}

async function observeBefore(
  runtime: CoreRuntime,
  prepared: PreparedStep,
  promotion: Promotion,
  step: Step,
): Promise<{ before: Observed; ledgerBefore: LedgerEntry | null }> {
  if (step.before) return { before: step.before, ledgerBefore: step.ledgerBefore ?? null };
  const ledgerBefore = prepared.ledger[step.component] ?? null;
  const observed = await untilAborted(prepared.adapter.current(prepared.context), prepared.context.signal);
  // An adapter that cannot observe its target relies on what Baton last recorded.
  const before: Observed = observed.version === null ? { ...observed, version: step.previousVersion } : observed;
  await transition(runtime, promotion.id, (p) => {
    if (!stillHeld(p, step)) return undefined;
    return { promotion: withStep(runtime, p, step.id, (s) => ({ ...s, before, ledgerBefore })), events: [] };
  });
  return { before, ledgerBefore };
}

/** How a step's attempt ended, with what recording it needs (its outputs as the store keeps them: sensitive values encrypted). */
type Outcome =
  | { ok: true; published: PublishedOutputs; succeeded: PromotionEvent; logTail: string[]; finishedAt: string }
  | { ok: false; message: string; logTail: string[] };

/** `claim` fires when this worker's hold on the step's job lapses (the queue's lock); absent where it cannot. */
export async function runStep(
  runtime: CoreRuntime,
  promotionId: string,
  stepId: string,
  claim?: AbortSignal,
): Promise<void> {
  const claimed = await claimStep(runtime, promotionId, stepId);
  if (!claimed) {
    // Delivered again after its result was recorded: the worker that ran it may have died before moving the promotion on.
    await resumeProgress(runtime, promotionId);
    return;
  }
  const { step, promotion, resumed } = claimed;
  let outcome: Outcome;
  try {
    // Taken over from a worker that died: what it started may still run, and may have finished the change.
    if (resumed) {
      // Stopping leftovers on a claim since overtaken would stop the programs of the worker that overtook it.
      await holdStep(runtime, promotionId, step, claim);
      const observed = await observeCutStep(runtime, promotion, step);
      if (observed) {
        await moveOn(runtime, promotionId, (p) => recoveredMove(runtime, p, step, observed));
        return;
      }
    }
    outcome = await attemptStep(runtime, promotion, step, claim);
  } catch (error) {
    if (!(error instanceof StepTakenOver)) throw error;
    // The worker that took the step over runs it and records it; this one's words on it would be about a run it gave up.
    runtime.logger.warn({ promotionId, stepId }, `stopped ${error.message}`);
    return;
  }
  // A failure to record the result is not the step's failure: it propagates, and the job runs again with the same step id.
  await moveOn(runtime, promotionId, (p) => {
    // Recording may have reached the store before its reply was lost: a result once recorded stands.
    // And a later attempt of another worker's owns the step now: this one's result is not the step's.
    if (!stillHeld(p, step)) return undefined;
    if (outcome.ok) {
      const { published, logTail, finishedAt } = outcome;
      const entry: LedgerEntry = { version: step.version, since: finishedAt, promotionId, ...published };
      return {
        promotion: withStep(runtime, p, stepId, (s) => ({
          ...s,
          status: 'succeeded',
          outputs: published.outputs,
          sensitiveOutputs: published.sensitiveOutputs,
          finishedAt,
          log: logTail,
          error: undefined,
        })),
        events: [outcome.succeeded],
        ledger: [{ component: step.component, entry }],
      };
    }
    const { message, logTail } = outcome;
    return {
      promotion: withStep(runtime, p, stepId, (s) => ({
        ...s,
        status: 'failed',
        error: message,
        finishedAt: nowIso(runtime),
        log: logTail,
      })),
      events: [
        {
          type: 'step.failed',
          actor: 'baton',
          stepId,
          summary: `${step.component} ${step.version} failed: ${message}`,
          data: { log: logTail },
        },
      ],
    };
  });
}

/** Observes, applies (retrying what may pass on retry), checks outputs and verifies; says how it went without recording it. */
async function attemptStep(
  runtime: CoreRuntime,
  promotion: Promotion,
  step: Step,
  claim: AbortSignal | undefined,
): Promise<Outcome> {
  let prepared: PreparedStep | undefined;
  try {
    prepared = await prepareStep(runtime, promotion, step, 'fail', { claim });
    const { before, ledgerBefore } = await observeBefore(runtime, prepared, promotion, step);
    const ready = prepared;
    const result = await retrying(
      runtime,
      ready,
      step,
      async () => {
        await holdStep(runtime, promotion.id, step, claim);
        return untilAborted(ready.adapter.apply(ready.context), ready.context.signal);
      },
      (p) => stillHeld(p, step),
    );
    const published = publishedOutputs(result, prepared.redactor);
    // The adapter may have logged these values before it said they are secret.
    for (const value of sensitiveValues(published)) prepared.redactor.add(value);
    prepared.context.log(result.summary);
    const missing = missingOutputs(runtime, step, published.outputs);
    if (missing.length > 0) {
      throw new Error(
        `${step.component} declares the output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} but the step did not publish ${missing.length > 1 ? 'them' : 'it'}; dependents need ${missing.length > 1 ? 'them' : 'it'}.`,
      );
    }
    if (prepared.adapter.verify) {
      const health = await untilAborted(prepared.adapter.verify(prepared.context), prepared.context.signal);
      if (!health.healthy) throw new Error(`verification failed: ${health.message}`);
      prepared.context.log(`verified: ${health.message}`);
    }
    const logTail = redactedLog(prepared);
    const succeeded: PromotionEvent = {
      type: 'step.succeeded',
      actor: 'baton',
      stepId: step.id,
      summary: `${step.component} ${step.version} succeeded.`,
      before: { version: before.version, ledger: ledgerBefore?.version ?? null },
      after: { version: step.version },
      data: { ...shownOutputs(prepared, published), log: logTail },
    };
    return {
      ok: true,
      published: encryptSensitiveOutputs(runtime.cipher, published),
      succeeded,
      logTail,
      finishedAt: nowIso(runtime),
    };
  } catch (error) {
    throwIfHandedBack(runtime);
    throwIfNotHeld(error, prepared?.context.signal);
    const message = prepared?.redactor.redact(errorMessage(error)) ?? errorMessage(error);
    return { ok: false, message, logTail: prepared ? redactedLog(prepared) : [] };
  } finally {
    prepared?.dispose();
  }
}

/**
 * The result's outputs, with the names of the sensitive ones: those the
 * adapter names that are outputs at all, and any whose value carries a
 * secret the step was given (a `${secret:…}` value, a sensitive input).
 */
function publishedOutputs(result: StepResult, redactor: Redactor): PublishedOutputs {
  const carrySecrets = Object.entries(result.outputs)
    .filter(([, value]) => redactor.redact(value) !== value)
    .map(([name]) => name);
  const sensitive = [...new Set([...(result.sensitiveOutputs ?? []), ...carrySecrets])]
    .filter((name) => name in result.outputs)
    .sort();
  return sensitive.length > 0 ? { outputs: result.outputs, sensitiveOutputs: sensitive } : { outputs: result.outputs };
}

/** Lines logged before a sensitive output was known are masked again. */
function redactedLog(prepared: PreparedStep): string[] {
  return prepared.logTail.map((line) => prepared.redactor.redact(line));
}

/** Outputs as the audit log keeps them: secrets masked, sensitive ones named. */
function shownOutputs(
  prepared: PreparedStep,
  published: PublishedOutputs,
): { outputs: Outputs; sensitiveOutputs?: string[] } {
  const redacted = Object.fromEntries(
    Object.entries(published.outputs).map(([k, v]) => [k, prepared.redactor.redact(v)]),
  );
  const outputs = maskSensitiveOutputs({ ...published, outputs: redacted });
  return published.sensitiveOutputs ? { outputs, sensitiveOutputs: published.sensitiveOutputs } : { outputs };
}
