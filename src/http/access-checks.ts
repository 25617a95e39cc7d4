/** Ways to put route access checks together: several ways in, and a log line for every refusal. */
import type { AccessCheck, AccessResult } from './server.ts';

type Refusal = Extract<AccessResult, { allowed: false }>;

/**
 * Admits a request any one of `checks` admits, trying them in order. When all
 * refuse, the answer is the first 403 (a check knew the caller, who lacks the
 * right: the most useful thing to say), else the first check's refusal.
 */
export function anyOf(...checks: readonly AccessCheck[]): AccessCheck {
  if (checks.length === 0) throw new Error('anyOf needs at least one access check');
  return async (head) => {
    const refusals: Refusal[] = [];
    for (const check of checks) {
      const result = await check(head);
      if (result.allowed) return result;
      refusals.push(result);
    }
    return refusals.find((refusal) => refusal.refusal.status === 403) ?? (refusals[0] as Refusal);
  };
}

export interface WarnLogger {
  warn(details: object, message: string): void;
}

/** Writes an audit record of a refusal: who was refused, and what they were told. */
export type RefusalRecorder = (actor: string, summary: string) => Promise<void>;

/**
 * Logs each refusal of `check` at warn: the route, the peer and what it was
 * told, never a credential. A refusal of a known caller (a token without the
 * scope) is also an audit record; an anonymous one is only logged, so that
 * nobody can fill the audit log by knocking.
 */
export function logRefusals(check: AccessCheck, logger: WarnLogger, record?: RefusalRecorder): AccessCheck {
  return async (head) => {
    const result = await check(head);
    if (!result.allowed) {
      const { status } = result.refusal;
      const error = 'json' in result.refusal ? (result.refusal.json as { error?: unknown }).error : undefined;
      logger.warn(
        { method: head.method, path: head.path, remoteAddress: head.remoteAddress, status, error },
        `refused ${head.method} ${head.path} (${status})`,
      );
      if (result.caller && record)
        await record(
          result.caller.name,
          `${head.method} ${head.path} by ${result.caller.name} refused (${status}): ${String(error ?? '')}`,
        );
    }
    return result;
  };
}
