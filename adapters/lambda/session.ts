/**
 * One Lambda client for one adapter call, with the names every message needs
 * and one way to send a request: abortable by the step, errors turned into
 * step errors.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { stepStopped } from '../kit/stopped.ts';
import { lambdaFailure, type LambdaAction } from './failures.ts';
import { ALIAS_NAME, type LambdaConfig } from './schema.ts';

export type LambdaContext = AdapterContext<LambdaConfig>;

/** A request is given up after this long without an answer; the SDK retries it first. */
const REQUEST_TIMEOUT_MS = 60_000;
const CONNECTION_TIMEOUT_MS = 10_000;

export interface CallOptions<T> {
  /** What the request is about, for messages; "function <name>" by default. */
  subject?: string;
  /** What the request asked for, named when Lambda refuses it. */
  about?: string;
  /** The answer when Lambda says the subject does not exist; without it that is an error. */
  whenNotFound?: () => T;
  /** Aborts the request instead of the step's signal: for clean-up after the step was stopped. */
  signal?: AbortSignal;
}

export interface LambdaSession {
  readonly ctx: LambdaContext;
  readonly client: LambdaClient;
  /** As configured: a name or an ARN. */
  readonly functionName: string;
  readonly alias: string;
  readonly region: string;
  /** "alias staging of report-worker", for messages. */
  readonly aliasSubject: string;
  call<T>(
    action: LambdaAction,
    send: (options: { abortSignal: AbortSignal }) => Promise<T>,
    options?: CallOptions<T>,
  ): Promise<T>;
}

function aliasName(ctx: LambdaContext): string {
  const alias = ctx.config.alias ?? ctx.environment;
  if (!ALIAS_NAME.test(alias)) {
    throw new TerminalStepError(
      ctx.redact(
        `${ctx.component} has no \`alias\` setting, so Baton would use the environment name "${alias}", ` +
          'which Lambda does not accept as an alias name (letters, digits, - and _ only, not only digits). ' +
          `Set \`alias\` in ${ctx.component}'s settings.`,
      ),
    );
  }
  return alias;
}

function openSession(ctx: LambdaContext): LambdaSession {
  const alias = aliasName(ctx);
  const functionName = ctx.config.function;
  const region = ctx.config.region;
  // Credentials come from the SDK's default chain; Baton never reads or logs them.
  const client = new LambdaClient({
    region,
    endpoint: ctx.config.endpoint,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  });
  return {
    ctx,
    client,
    functionName,
    alias,
    region,
    aliasSubject: `alias ${alias} of ${functionName}`,
    async call(action, send, options = {}) {
      const subject = options.subject ?? `function ${functionName}`;
      const signal = options.signal ?? ctx.signal;
      try {
        return await send({ abortSignal: signal });
      } catch (error) {
        if (signal.aborted) {
          throw stepStopped(signal, ctx.redact, `waiting for lambda:${action} on ${subject}`);
        }
        if (options.whenNotFound && (error as { name?: string }).name === 'ResourceNotFoundException') {
          return options.whenNotFound();
        }
        throw lambdaFailure(error, {
          action,
          subject,
          about: options.about,
          functionName,
          region,
          component: ctx.component,
          redact: ctx.redact,
        });
      }
    },
  };
}

/** Runs `use` with a fresh session and closes its connections afterwards. */
export async function withLambda<T>(ctx: LambdaContext, use: (session: LambdaSession) => Promise<T>): Promise<T> {
  const session = openSession(ctx);
  try {
    return await use(session);
  } finally {
    session.client.destroy();
  }
}
