/**
 * The step errors as adapters take them. The core defines them, since it
 * decides on a retry by them; an adapter imports the kit, never the core.
 */
export { isRetryable, RetryableStepError, TerminalStepError } from '../../src/core/step-errors.ts';
