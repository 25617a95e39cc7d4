/**
 * Where a half-done apply left the function. Every error apply throws ends
 * with it, so the person reading the thread knows what traffic runs on now.
 */
import { BatonError } from '../../src/errors.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';

export class ApplyProgress {
  private state = 'Nothing was changed.';

  /** Call before each change, phrased so it holds whether or not the change went through. */
  reached(state: string): void {
    this.state = state;
  }

  /** The same kind of error, its message ending with where the apply stopped. */
  explain(error: unknown, redact: (text: string) => string): unknown {
    if (!(error instanceof BatonError)) return error;
    const message = redact(`${error.message} ${this.state}`);
    if (error instanceof TerminalStepError) return new TerminalStepError(message, { cause: error.cause });
    if (error instanceof RetryableStepError) return new RetryableStepError(message, { cause: error.cause });
    return error;
  }
}
