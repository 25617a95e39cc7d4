/**
 * What to say when the step's signal fires: cancelled by a person or timed
 * out. Retrying cannot help (the core decides about another run), so these
 * are terminal.
 */
import { errorMessage } from '../../src/errors.ts';
import { TerminalStepError } from './step-errors.ts';

type Redact = (text: string) => string;

/** Why the step was stopped, as its signal says. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason === undefined ? 'no reason given' : errorMessage(reason);
}

/** "Stopped …": `doing` says what was under way, `state` what that leaves behind and what to do next. */
export function stepStopped(signal: AbortSignal, redact: Redact, doing: string, state = ''): TerminalStepError {
  const after = state === '' ? '' : ` ${state}`;
  return new TerminalStepError(
    redact(`Stopped ${doing}: the step was cancelled or timed out (${abortReason(signal)}).${after}`),
    { cause: signal.reason },
  );
}

/** "… was stopped": for `what` the step was doing when its signal fired. */
export function stoppedError(signal: AbortSignal, what: string, redact: Redact): TerminalStepError {
  return new TerminalStepError(
    redact(`${what} was stopped: the step was cancelled or timed out (${abortReason(signal)}).`),
    { cause: signal.reason },
  );
}

export function throwIfStopped(signal: AbortSignal, what: string, redact: Redact): void {
  if (signal.aborted) throw stoppedError(signal, what, redact);
}

/** For `what` the step did not start because its signal had already fired; `state` may add what that means. */
export function notStartedError(signal: AbortSignal, redact: Redact, what: string, state = ''): TerminalStepError {
  const after = state === '' ? '' : ` ${state}`;
  return new TerminalStepError(
    redact(
      `${what} was not started: the step had already been cancelled or timed out (${abortReason(signal)}).${after}`,
    ),
    { cause: signal.reason },
  );
}

/** Waits `ms`, or rejects with the signal's reason as soon as the step is stopped. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
