/**
 * A Web API refusal, as Slack sends it: HTTP 200 with `{ ok: false, error }`
 * (plus `errors` / `response_metadata` for some), or HTTP 429 with
 * `Retry-After` for rate limits. Handlers throw it; the server turns it into
 * the answer.
 */

export class SlackApiError extends Error {
  readonly error: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(
    error: string,
    options: { status?: number; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(error);
    this.name = 'SlackApiError';
    this.error = error;
    this.status = options.status ?? 200;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  body(): Record<string, unknown> {
    return { ok: false, error: this.error, ...this.extra };
  }
}

/** `[ERROR] …` lines in response_metadata, which @slack/web-api logs. */
export function withMessages(error: string, problems: string[], options: { errorsField: boolean }): SlackApiError {
  const messages = problems.map((problem) => `[ERROR] ${problem}`);
  return new SlackApiError(error, {
    extra: { ...(options.errorsField ? { errors: problems } : {}), response_metadata: { messages } },
  });
}

export function missingArgument(name: string): SlackApiError {
  return withMessages('invalid_arguments', [`missing required field: ${name}`], { errorsField: false });
}

export function rateLimited(retryAfterSeconds: number): SlackApiError {
  return new SlackApiError('ratelimited', { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } });
}
