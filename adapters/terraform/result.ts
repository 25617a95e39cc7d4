/**
 * What a terraform step returns: the contract's `StepResult` plus the names of
 * outputs whose values must never be shown. Dependents still receive those
 * values (they need them); the core should add them to the step's redactor.
 * This field is proposed for `StepResult` in adapters/contract.ts.
 */
import type { StepResult } from '../contract.ts';

export interface StepResultWithSensitiveOutputs extends StepResult {
  /** Output names whose values are secret, sorted; absent when there are none. */
  sensitiveOutputs?: string[];
}
