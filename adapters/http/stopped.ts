/** The error for a step that was cancelled or timed out while the adapter waited. */
import { TerminalStepError, errorMessage } from '../../src/errors.ts';
import type { Redact } from './redaction.ts';

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason === undefined ? 'no reason given' : errorMessage(reason);
}

/** `doing` says what was under way, `state` what that leaves behind and what to do. */
export function stepStopped(signal: AbortSignal, redact: Redact, doing: string, state: string): TerminalStepError {
  return new TerminalStepError(
    redact(`Stopped ${doing}: the step was cancelled or timed out (${abortReason(signal)}). ${state}`),
    { cause: signal.reason },
  );
}
