/**
 * Sends a trigger once and judges the answer: the expected status means the
 * pipeline started; a busy or failing server (429, 5xx) or no answer at all
 * may pass on another attempt; anything else is a refusal retrying cannot fix.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { describeWait } from '../kit/durations.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { stepStopped } from '../kit/stopped.ts';
import { isTemporaryStatus, quoteBody, retryAfterMs, statusLine } from './answers.ts';
import { describeExpectedStatus, statusExpected } from './expected-status.ts';
import { displayUrl, type Redact } from './redaction.ts';
import type { HttpConfig, TriggerSettings } from './schema.ts';
import { send, type HttpAnswer } from './send.ts';
import { forgetTriggerRecord, writeTriggerRecord, type TriggerResponse } from './trigger-record.ts';
import { triggerRequest } from './trigger-request.ts';

export interface TriggerAttempt {
  ctx: AdapterContext<HttpConfig>;
  redact: Redact;
  settings: TriggerSettings;
  idempotencyKey: string;
  /** Names the pipeline in messages: "api's pipeline", "api's rollback pipeline". */
  pipeline: string;
}

function target(settings: TriggerSettings): string {
  return `${settings.method} ${displayUrl(settings.url)}`;
}

function checkUrl(attempt: TriggerAttempt): void {
  try {
    new URL(attempt.settings.url);
  } catch {
    throw new TerminalStepError(
      attempt.redact(
        `Cannot trigger ${attempt.pipeline}: trigger url "${displayUrl(attempt.settings.url)}" is not a URL once its placeholders are filled in. ` +
          'Fix `trigger.url` in the component settings.',
      ),
    );
  }
}

function refusal(attempt: TriggerAttempt, answer: HttpAnswer): TerminalStepError {
  const { settings, pipeline, redact } = attempt;
  const said = `${target(settings)} answered ${statusLine(answer)}`;
  const quote = `Its answer: ${quoteBody(answer.body)}`;
  if (answer.status >= 300 && answer.status < 400) {
    return new TerminalStepError(
      redact(
        `${said}, redirecting to ${displayUrl(answer.headers.location ?? '(no Location)')}, so ${pipeline} was not triggered: ` +
          'Baton does not follow redirects for a trigger (a redirected POST turns into a GET and starts nothing). ' +
          'Set `trigger.url` to the address it redirects to.',
      ),
    );
  }
  if (answer.status >= 200 && answer.status < 300) {
    return new TerminalStepError(
      redact(
        `${said}, but \`expectStatus\` is ${describeExpectedStatus(settings.expectStatus)}: ${pipeline} may have been started. ` +
          `Check it before running the promotion again, or add ${answer.status} to \`expectStatus\`. ${quote}`,
      ),
    );
  }
  const fix =
    answer.status === 401 || answer.status === 403
      ? `Check the credentials in \`trigger.headers\`${settings.hmac ? ' and the HMAC secret in `trigger.hmac.secret`' : ''}`
      : 'Fix the trigger settings (url, method, headers, body)';
  return new TerminalStepError(
    redact(
      `${said}, so ${pipeline} was not triggered; retrying the same request cannot help. ${quote}\n${fix}, then run the promotion again.`,
    ),
  );
}

function temporaryFailure(attempt: TriggerAttempt, answer: HttpAnswer): RetryableStepError {
  const wait = retryAfterMs(answer);
  const asked =
    wait === undefined
      ? ''
      : ` It asked to wait ${describeWait(wait)} before trying again (Retry-After: ${answer.headers['retry-after']}).`;
  return new RetryableStepError(
    attempt.redact(
      `${target(attempt.settings)} answered ${statusLine(answer)}: the server is busy or failing, so ${attempt.pipeline} ` +
        `was probably not triggered.${asked} The step can be tried again; it sends the same Idempotency-Key (${attempt.idempotencyKey}). ` +
        `Its answer: ${quoteBody(answer.body)}`,
    ),
    wait === undefined ? {} : { retryAfterMs: wait },
  );
}

export async function sendTrigger(attempt: TriggerAttempt): Promise<TriggerResponse> {
  const { ctx, redact, settings, idempotencyKey, pipeline } = attempt;
  checkUrl(attempt);
  const sentAt = new Date().toISOString();
  await writeTriggerRecord(ctx.workDir, { state: 'sending', idempotencyKey, sentAt });
  ctx.log(
    redact(
      `${target(settings)}: triggering ${pipeline} (Idempotency-Key: ${idempotencyKey}${settings.hmac ? ', HMAC-signed' : ''})`,
    ),
  );
  const outcome = await send(triggerRequest(settings, idempotencyKey), ctx.signal);
  if (outcome.kind === 'aborted') {
    throw stepStopped(
      ctx.signal,
      redact,
      `triggering ${pipeline} (${target(settings)})`,
      'The request may have arrived. Running the step again sends the same Idempotency-Key, so a receiver that honours it does not start a second run.',
    );
  }
  if (outcome.kind === 'unreachable') {
    throw new RetryableStepError(
      redact(
        `Could not reach ${target(settings)} to trigger ${pipeline}: ${outcome.reason}. The step can be tried again; ` +
          `it sends the same Idempotency-Key (${idempotencyKey}). If this keeps happening, check the url and that the server is up.`,
      ),
    );
  }
  const { answer } = outcome;
  if (!statusExpected(settings.expectStatus, answer.status)) {
    await forgetTriggerRecord(ctx.workDir, idempotencyKey);
    throw isTemporaryStatus(answer.status) ? temporaryFailure(attempt, answer) : refusal(attempt, answer);
  }
  const response: TriggerResponse = { ...answer, url: settings.url, receivedAt: new Date().toISOString() };
  await writeTriggerRecord(ctx.workDir, { state: 'triggered', idempotencyKey, sentAt, response });
  const location = answer.headers.location === undefined ? '' : ` (Location: ${displayUrl(answer.headers.location)})`;
  ctx.log(redact(`${target(settings)} answered ${statusLine(answer)}${location}: ${pipeline} triggered`));
  return response;
}
