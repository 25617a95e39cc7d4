/**
 * Turns what the AWS SDK throws into step errors a person can act on, and
 * decides which ones another attempt can fix. The SDK has already retried
 * throttling and server errors by the time one reaches here.
 */
import { errorMessage } from '../../src/errors.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';

export type LambdaAction =
  'GetFunctionConfiguration' | 'UpdateFunctionCode' | 'PublishVersion' | 'GetAlias' | 'CreateAlias' | 'UpdateAlias';

export interface FailedCall {
  action: LambdaAction;
  /** What the call was about: "function report-worker", "alias staging of report-worker". */
  subject: string;
  /** What the request asked for, when that helps find the fault: "s3://acme-builds/…". */
  about?: string;
  functionName: string;
  region: string;
  component: string;
  redact(text: string): string;
}

/** The parts of an AWS SDK error this module reads; anything may be missing on a network error. */
interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  Reason?: string;
}

/**
 * Access key ids (AKIA…, ASIA…) can appear in AWS's signature errors; they
 * identify the credentials, so they never reach a log or a chat thread.
 */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{12,}\b/g;

function withoutAccessKeys(text: string): string {
  return text.replace(ACCESS_KEY_ID, '***');
}

function awsError(error: unknown): AwsErrorShape {
  return typeof error === 'object' && error !== null ? (error as AwsErrorShape) : { message: String(error) };
}

function said(shape: AwsErrorShape): string {
  const message = shape.message?.trim() || 'no message';
  return `${shape.name ?? 'Error'}: ${message}`;
}

/** The step error for a failed Lambda API call, its message redacted. */
export function lambdaFailure(error: unknown, call: FailedCall): TerminalStepError | RetryableStepError {
  const shape = awsError(error);
  const status = shape.$metadata?.httpStatusCode;
  const api = `lambda:${call.action}`;
  const answer = `${api} answered ${said(shape)}`;
  const clean = (text: string): string => call.redact(withoutAccessKeys(text));
  const terminal = (text: string): TerminalStepError => new TerminalStepError(clean(text), { cause: error });
  const retryable = (text: string): RetryableStepError => new RetryableStepError(clean(text), { cause: error });

  if (shape.name === 'ResourceConflictException') {
    return retryable(
      `Lambda refused to change ${call.subject} in ${call.region} because another change to it is still in progress (${answer}). ` +
        `Baton tries again; if this keeps happening, look for another deployment of ${call.functionName} running at the same time.`,
    );
  }
  if (shape.name === 'PreconditionFailedException' || /CodeSHA256 .*different/i.test(shape.message ?? '')) {
    return retryable(
      `The ${call.subject} in ${call.region} was changed by someone else while Baton was deploying it (${answer}). ` +
        'Baton tries again from the start; if this keeps happening, find who else changes the function during promotions.',
    );
  }
  if (shape.name === 'ResourceNotFoundException') {
    return terminal(
      `Lambda in ${call.region} has no ${call.subject} (${answer}). Check \`function\` and \`region\` in ${call.component}'s settings, ` +
        `and that Baton's AWS credentials belong to the account that owns ${call.functionName}.`,
    );
  }
  if (shape.name === 'TooManyRequestsException' || status === 429) {
    const reason = shape.Reason ? ` (${shape.Reason})` : '';
    return retryable(
      `Lambda in ${call.region} throttled ${api} on ${call.subject}${reason}, even after the AWS SDK's own retries. ` +
        'Baton tries the step again later; if it keeps happening, deploy fewer functions at once or ask AWS for a higher rate limit.',
    );
  }
  if (shape.name === 'CredentialsProviderError') {
    return terminal(
      `Baton found no AWS credentials to call ${api} on ${call.subject} (${shape.message ?? 'no provider had any'}). ` +
        'Give the Baton worker credentials through the standard AWS chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ' +
        'AWS_PROFILE, web identity, or an instance or task role.',
    );
  }
  if (status === 401 || status === 403) {
    return terminal(
      `Baton's AWS credentials may not call ${api} on ${call.subject} in ${call.region} (${answer}). ` +
        `Allow ${api} on ${call.functionName} for the role or user Baton runs as, ` +
        'or check which credentials the worker picks up (environment, profile, instance or task role).',
    );
  }
  if (shape.$fault === 'server' || (status !== undefined && status >= 500)) {
    return retryable(
      `Lambda in ${call.region} failed ${api} on ${call.subject} on its side (${answer}), even after the AWS SDK's own retries. ` +
        'Baton tries again; if it keeps failing, check the AWS Health Dashboard for Lambda in that region.',
    );
  }
  if (shape.$fault === 'client' || status !== undefined) {
    return terminal(
      `Lambda in ${call.region} refused ${api} on ${call.subject}${call.about ? ` for ${call.about}` : ''} (${answer}). ` +
        `Retrying will not change that: fix what the message names in ${call.component}'s settings or in the function, ` +
        'then run the promotion again.',
    );
  }
  return retryable(
    `Baton could not reach Lambda in ${call.region} for ${api} on ${call.subject} ` +
      `(${shape.code ?? shape.name ?? 'Error'}: ${errorMessage(error)}). ` +
      "Baton tries again; if it keeps failing, check the worker's network, proxy and `endpoint` setting.",
  );
}
