/**
 * One HTTP request through Node's global fetch (undici), with the step's
 * abort signal and a per-request time limit, reduced to what the adapter
 * decides on: an answer, no answer, or the step was stopped.
 */
import { errorMessage } from '../../src/errors.ts';

/** A server that accepted the connection but never answers must not hold the step until its own timeout. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
  /** `manual` for triggers: a redirected POST would turn into a GET and start nothing. */
  redirect: 'follow' | 'manual';
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export type SendOutcome =
  { kind: 'answered'; answer: HttpAnswer } | { kind: 'unreachable'; reason: string } | { kind: 'aborted' };

function describeFailure(error: unknown): string {
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, a TLS problem) as the cause.
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? errorMessage(error) : errorMessage(cause);
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

export async function send(request: HttpRequest, signal: AbortSignal): Promise<SendOutcome> {
  if (signal.aborted) return { kind: 'aborted' };
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: request.redirect,
      signal: AbortSignal.any([signal, timeout]),
    });
    const body = await response.text();
    return {
      kind: 'answered',
      answer: { status: response.status, statusText: response.statusText, headers: headersOf(response), body },
    };
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted' };
    if (timeout.aborted) return { kind: 'unreachable', reason: `no answer within ${REQUEST_TIMEOUT_MS / 1000}s` };
    return { kind: 'unreachable', reason: describeFailure(error) };
  }
}
