/**
 * Waits for an UpdateFunctionCode to finish. Polls GetFunctionConfiguration
 * rather than using the SDK's waiter: the waiter treats every error (access
 * denied, a deleted function) as "not yet" until it times out, while here
 * those fail the step at once with their own message.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { checkedDurationMs } from '../kit/durations.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { pause, stepStopped } from '../kit/stopped.ts';
import { readLatest } from './function-reads.ts';
import { DEFAULT_WAIT_TIMEOUT } from './schema.ts';
import type { LambdaSession } from './session.ts';

/** Most code updates finish within seconds; the pause doubles up to the longest. */
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 5_000;

/** `$LATEST` once its LastUpdateStatus is Successful. */
export async function waitForUpdate(session: LambdaSession, codeText: string): Promise<FunctionConfiguration> {
  const { ctx, functionName } = session;
  const waitTimeout = ctx.config.waitTimeout ?? DEFAULT_WAIT_TIMEOUT;
  const deadline = Date.now() + checkedDurationMs(waitTimeout);
  let pauseMs = FIRST_PAUSE_MS;
  for (;;) {
    try {
      await pause(Math.max(0, Math.min(pauseMs, deadline - Date.now())), ctx.signal);
    } catch {
      throw stepStopped(ctx.signal, ctx.redact, `waiting for ${functionName} to finish updating its code`);
    }
    const latest = await readLatest(session);
    const status = latest.LastUpdateStatus;
    // Functions last changed before Lambda tracked update status report none: nothing to wait for.
    if (status === undefined || status === 'Successful') return latest;
    if (status === 'Failed') {
      // Lambda's reasons end with a full stop; the message goes on after them.
      const reason = [latest.LastUpdateStatusReasonCode, latest.LastUpdateStatusReason?.replace(/\.$/, '')]
        .filter(Boolean)
        .join(': ');
      throw new TerminalStepError(
        ctx.redact(
          `Lambda could not update ${functionName} in ${session.region} to ${codeText}: ${reason || 'no reason given'}. ` +
            "Another attempt would fail the same way: fix what the reason names (the build, the image, the function's " +
            'role or configuration), then run the promotion again.',
        ),
      );
    }
    if (Date.now() >= deadline) {
      throw new RetryableStepError(
        ctx.redact(
          `${functionName} in ${session.region} was still updating its code after ${waitTimeout} (LastUpdateStatus ${status}). ` +
            'Baton tries the step again; if updates of this function take longer, raise `waitTimeout`.',
        ),
      );
    }
    pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
  }
}
