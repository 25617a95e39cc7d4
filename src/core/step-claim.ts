/**
 * A worker holds a step from its claim, which counts an attempt, until it
 * records the step's result. When its hold on the job lapses (it stalled past
 * the queue's lock) another worker claims the step with the next attempt:
 * the first must then start nothing more for the step and record nothing of
 * it, or two applies of one step would overlap.
 */
import { errorMessage } from '../errors.ts';
import type { Promotion, Step } from './model.ts';
import type { CoreRuntime } from './runtime.ts';

/** Why a worker stopped a step it no longer holds; never recorded as the step's failure. */
export class StepTakenOver extends Error {
  constructor(step: Step, why: string) {
    super(`${step.component} ${step.version} (attempt ${step.attempts}): ${why}`);
    this.name = 'StepTakenOver';
  }
}

/** The store could not say whether the step is still this worker's: nothing was applied, and the job runs again. */
export class HoldUnknown extends Error {
  constructor(step: Step, cause: unknown) {
    const why = `could not check the step is still this worker's (${errorMessage(cause)})`;
    super(`${step.component} ${step.version}: ${why}`, { cause });
    this.name = 'HoldUnknown';
  }
}

/** The reason to give a step's signal when the queue says this worker's hold on the job lapsed. */
export function claimLapsed(step: Step): StepTakenOver {
  return new StepTakenOver(step, "this worker's hold on the job lapsed, so another worker runs it");
}

/**
 * Resolves when `step` (as this worker claimed it) is still the attempt the
 * store records as running; throws StepTakenOver otherwise. Asked right
 * before each apply, so a worker that stalled while another took the step
 * over does not start a second apply beside the other's.
 */
export async function holdStep(
  runtime: CoreRuntime,
  promotionId: string,
  step: Step,
  claim: AbortSignal | undefined,
): Promise<void> {
  if (claim?.aborted) throw claimLapsed(step);
  let stored: Promotion | undefined;
  try {
    stored = await runtime.store.getPromotion(promotionId);
  } catch (error) {
    throw new HoldUnknown(step, error);
  }
  if (!stillHeld(stored, step)) throw new StepTakenOver(step, 'another worker took the step over');
  if (claim?.aborted) throw claimLapsed(step);
}

/** True when `promotion` (as stored now) still records `step`, as this worker claimed it, as the attempt running. */
export function stillHeld(promotion: Promotion | undefined, step: Step): boolean {
  const current = promotion?.steps.find((s) => s.id === step.id);
  return current?.status === 'running' && current.attempts === step.attempts;
}

/**
 * Rethrows when the error, or the reason the step's signal fired, says the
 * step was taken over or may have been: neither is the step's failure.
 */
export function throwIfNotHeld(error: unknown, signal?: AbortSignal): void {
  if (error instanceof StepTakenOver || error instanceof HoldUnknown) throw error;
  if (signal?.aborted && signal.reason instanceof StepTakenOver) throw signal.reason;
}
