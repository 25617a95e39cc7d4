/**
 * How an adapter says a step failed: whether another attempt could pass
 * decides whether the core tries the step again. The core, which decides,
 * defines them; adapters take them through the kit.
 */
import { BatonError, ErrorCode } from '../errors.ts';

/** A step failure that retrying cannot fix (bad input, a refused change). */
export class TerminalStepError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.StepTerminal, message, options);
    this.name = 'TerminalStepError';
  }
}

/** A step failure that may pass on another attempt (network, a busy lock). */
export class RetryableStepError extends BatonError {
  /** How long the target asked to wait (an HTTP Retry-After); Baton's own back-off when absent. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(ErrorCode.StepRetryable, message, options);
    this.name = 'RetryableStepError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof TerminalStepError) return false;
  if (error instanceof BatonError) return error.code === ErrorCode.StepRetryable;
  // Unknown errors (a dropped connection, a crashed tool) may pass on retry.
  return true;
}
