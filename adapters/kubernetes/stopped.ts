/**
 * What to say when the step's signal fires: cancelled by a person or timed
 * out. Retrying cannot help (the core decides about another run), so these are terminal.
 */
import { TerminalStepError, errorMessage } from '../../src/errors.ts';

export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason === undefined ? 'no reason given' : errorMessage(reason);
}

export function stoppedError(signal: AbortSignal, what: string, redact: (text: string) => string): TerminalStepError {
  return new TerminalStepError(
    redact(`${what} was stopped: the step was cancelled or timed out (${abortReason(signal)}).`),
    { cause: signal.reason },
  );
}

export function throwIfStopped(signal: AbortSignal, what: string, redact: (text: string) => string): void {
  if (signal.aborted) throw stoppedError(signal, what, redact);
}

/** Waits `ms`, or rejects as soon as the step is stopped. */
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
