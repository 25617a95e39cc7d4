/**
 * What to say when the step's signal fires: cancelled by a person or timed
 * out. The core decides whether the promotion runs again, so these are terminal.
 */
import { TerminalStepError, errorMessage } from '../../src/errors.ts';

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason === undefined ? 'no reason given' : errorMessage(reason);
}

/** `doing` says what was under way, `state` what that leaves behind and what to do next. */
export function stepStopped(
  signal: AbortSignal,
  redact: (text: string) => string,
  doing: string,
  state = '',
): TerminalStepError {
  const after = state === '' ? '' : ` ${state}`;
  return new TerminalStepError(
    redact(`Stopped ${doing}: the step was cancelled or timed out (${abortReason(signal)}).${after}`),
    { cause: signal.reason },
  );
}

