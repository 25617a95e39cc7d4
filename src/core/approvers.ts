/**
 * The people who may approve a promotion, by user id, so that the plan can
 * mention them and a reminder can reach the ones who have not acted.
 */
import { errorMessage } from '../errors.ts';
import { groupMembers } from './group-members.ts';
import type { Environment, Promotion } from './model.ts';
import type { CoreRuntime } from './runtime.ts';

/**
 * Undefined when anyone may approve, or when a chat user group could not be
 * looked up: the plan then names the rule's groups as the config does.
 */
export async function approversOf(
  runtime: CoreRuntime,
  environment: Environment,
  requester: string,
): Promise<string[] | undefined> {
  const { from, allowSelfApproval } = environment.approvals;
  if (from.length === 0) return undefined;
  let groups: Record<string, string[]>;
  try {
    groups = await groupMembers(runtime, from);
  } catch (error) {
    runtime.logger.warn(
      { err: errorMessage(error), environment: environment.name },
      'could not look up who may approve; the plan names the groups instead',
    );
    return undefined;
  }
  const people = from.flatMap((ref) => (ref.startsWith('@') ? (groups[ref.slice(1)] ?? []) : [ref]));
  return [...new Set(people)].filter((user) => allowSelfApproval || user !== requester);
}

/** Approvers who have not approved yet. */
export function pendingApprovers(promotion: Promotion): string[] {
  const approved = new Set(promotion.approvals.map((a) => a.user));
  return (promotion.approvers ?? []).filter((user) => !approved.has(user));
}
