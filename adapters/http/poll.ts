/**
 * Follows the run a trigger started: asks the poll URL every `interval`
 * until the success or failure condition holds or `timeout` has passed since
 * the trigger. Answers that say "not now" (no connection, 5xx, 429, 408, 404
 * while the run is being created) are waited out; anything else stops.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { checkedDurationMs } from '../kit/durations.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { pause, stepStopped } from '../kit/stopped.ts';
import { isTemporaryStatus, parseJsonBody, quoteBody, retryAfterMs, statusLine } from './answers.ts';
import { checkCondition, describeCondition } from './conditions.ts';
import { displayUrl, type Redact } from './redaction.ts';
import type { HttpConfig, PollSettings } from './schema.ts';
import { send, type HttpAnswer } from './send.ts';
import {
  fillTriggerPlaceholders,
  fillTriggerPlaceholdersInHeaders,
  TriggerPlaceholderError,
} from './trigger-placeholders.ts';
import type { TriggerResponse } from './trigger-record.ts';

export interface PollAttempt {
  ctx: AdapterContext<HttpConfig>;
  redact: Redact;
  settings: PollSettings;
  trigger: TriggerResponse;
  /** Names the pipeline in messages: "api's pipeline". */
  pipeline: string;
}

export interface FinalAnswer {
  url: string;
  answer: HttpAnswer;
  document: unknown;
  /** Since the trigger was answered. */
  elapsedMs: number;
}

function pollRequest(attempt: PollAttempt): { url: string; headers: Record<string, string> } {
  const { settings, trigger, pipeline, redact } = attempt;
  try {
    // A Location header is often relative ("/runs/7"): it is relative to where the trigger went.
    const url = new URL(fillTriggerPlaceholders(settings.url, trigger), trigger.url).href;
    return { url, headers: fillTriggerPlaceholdersInHeaders(settings.headers, trigger) };
  } catch (error) {
    const why =
      error instanceof TriggerPlaceholderError ? error.message : `it is not a URL (${(error as Error).message})`;
    throw new TerminalStepError(
      redact(
        `${pipeline} was triggered (${trigger.status}), but Baton cannot tell where to follow it: ${why}. ` +
          'Check the run by hand, then fix `poll` in the component settings.',
      ),
      { cause: error },
    );
  }
}

interface Waiting {
  kind: 'waiting';
  /** What the last answer said, for the log and the timeout message. */
  seen: string;
  /** How long the server asked us to wait (Retry-After). */
  waitMs?: number | undefined;
}

type Verdict = { kind: 'done'; document: unknown } | Waiting;

function judge(attempt: PollAttempt, shown: string, answer: HttpAnswer): Verdict {
  const { settings, pipeline, redact } = attempt;
  if (answer.status >= 200 && answer.status < 300) {
    const parsed = parseJsonBody(answer.body);
    if (!parsed.ok) {
      throw new TerminalStepError(
        redact(
          `${shown} answered ${statusLine(answer)} while Baton followed ${pipeline}, but ${parsed.problem}; the success and failure ` +
            `conditions need JSON. Its answer: ${quoteBody(answer.body)}\nPoint \`poll.url\` at the run's JSON API, and check the run by hand.`,
        ),
      );
    }
    if (settings.failure !== undefined) {
      const failed = checkCondition(settings.failure, parsed.document);
      if (failed.met) {
        throw new TerminalStepError(
          redact(
            `${pipeline} failed: ${shown} reports ${settings.failure.jsonPath} = ${failed.observed}, which meets the failure ` +
              `condition (${describeCondition(settings.failure)}). Look at the run there, fix the cause and run the promotion again.`,
          ),
        );
      }
    }
    const succeeded = checkCondition(settings.success, parsed.document);
    if (succeeded.met) return { kind: 'done', document: parsed.document };
    return { kind: 'waiting', seen: `${settings.success.jsonPath} was ${succeeded.observed}` };
  }
  if (isTemporaryStatus(answer.status) || answer.status === 404) {
    return { kind: 'waiting', seen: `it answered ${statusLine(answer)}`, waitMs: retryAfterMs(answer) };
  }
  throw new TerminalStepError(
    redact(
      `${shown} answered ${statusLine(answer)} while Baton followed ${pipeline}: ${quoteBody(answer.body)}\n` +
        `${pipeline} was triggered and may still be running: check it by hand. Then fix \`poll.url\` or \`poll.headers\` ` +
        '(a token may lack read permission) and run the promotion again.',
    ),
  );
}

export async function pollUntilDone(attempt: PollAttempt): Promise<FinalAnswer> {
  const { ctx, redact, settings, trigger, pipeline } = attempt;
  const { url, headers } = pollRequest(attempt);
  const shown = displayUrl(url);
  const intervalMs = checkedDurationMs(settings.interval);
  const triggeredAt = Date.parse(trigger.receivedAt);
  const deadline = triggeredAt + checkedDurationMs(settings.timeout);
  const stopped = () =>
    stepStopped(
      ctx.signal,
      redact,
      `following ${pipeline} at ${shown}`,
      `The run itself was not cancelled: check it there. Running the step again resumes following it.`,
    );
  let seen = 'no answer yet';
  for (;;) {
    const outcome = await send({ method: 'GET', url, headers, redirect: 'follow' }, ctx.signal);
    if (outcome.kind === 'aborted') throw stopped();
    let waiting: Waiting;
    if (outcome.kind === 'unreachable') {
      waiting = { kind: 'waiting', seen: `Baton could not reach it (${outcome.reason})` };
    } else {
      const verdict = judge(attempt, shown, outcome.answer);
      if (verdict.kind === 'done') {
        return { url, answer: outcome.answer, document: verdict.document, elapsedMs: Date.now() - triggeredAt };
      }
      waiting = verdict;
    }
    if (waiting.seen !== seen) ctx.log(redact(`${shown}: ${waiting.seen}`));
    seen = waiting.seen;
    const now = Date.now();
    if (now >= deadline) {
      throw new TerminalStepError(
        redact(
          `${pipeline} is still running after ${settings.timeout}: check ${shown}. Last seen: ${seen}. Baton stopped waiting; ` +
            'the run itself was not cancelled. When it is done, run the promotion again, or raise `poll.timeout` ' +
            "(and the component's `timeout` with it).",
        ),
      );
    }
    const waitMs = Math.max(intervalMs, waiting.waitMs ?? 0);
    try {
      await pause(Math.min(waitMs, deadline - now), ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw stopped();
      throw error;
    }
  }
}
