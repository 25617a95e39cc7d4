/**
 * Reading an answer for people and for decisions: its status line, a short
 * quote of its body, its JSON, and how long it asks us to wait.
 */
import type { HttpAnswer } from './send.ts';

const QUOTE_LIMIT = 500;

export function statusLine(answer: HttpAnswer): string {
  return answer.statusText === '' ? String(answer.status) : `${answer.status} ${answer.statusText}`;
}

/** The start of a body, to quote in a message (redact it before showing). */
export function quoteBody(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return '(empty body)';
  if (trimmed.length <= QUOTE_LIMIT) return trimmed;
  return `${trimmed.slice(0, QUOTE_LIMIT)}… (${trimmed.length - QUOTE_LIMIT} more characters)`;
}

export type ParsedBody = { ok: true; document: unknown } | { ok: false; problem: string };

export function parseJsonBody(body: string): ParsedBody {
  if (body.trim() === '') return { ok: false, problem: 'the body is empty' };
  try {
    return { ok: true, document: JSON.parse(body) as unknown };
  } catch (error) {
    return { ok: false, problem: `the body is not JSON (${(error as Error).message})` };
  }
}

/** Retryable no matter what was sent: the server is overloaded, restarting, or asks us to slow down. */
export function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Retry-After as milliseconds: seconds (RFC 9110) or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(answer: HttpAnswer, now = Date.now()): number | undefined {
  const value = answer.headers['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
