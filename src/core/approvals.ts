/**
 * Who may approve or reject a promotion, decided from the environment's
 * approval policy. Pure: the caller applies the decision atomically.
 */
import type { Environment, Promotion } from './model.ts';
import { describePeople } from './people-words.ts';
import { mayAct } from './permissions.ts';

export type ApprovalDecision =
  | { outcome: 'counted'; approvals: number; required: number; complete: boolean }
  | { outcome: 'duplicate'; message: string }
  | { outcome: 'refused'; message: string };

export function decideApproval(
  promotion: Promotion,
  environment: Environment,
  user: string,
  groups: Readonly<Record<string, string[]>>,
): ApprovalDecision {
  if (promotion.state !== 'awaiting_approval') {
    return {
      outcome: 'refused',
      message: `Promotion #${promotion.id} is ${promotion.state.replace('_', ' ')}: it is not waiting for approval.`,
    };
  }
  const permission = mayAct(environment, 'approve', user, groups);
  if (!permission.allowed) return { outcome: 'refused', message: permission.message };
  if (user === promotion.requestedBy && !environment.approvals.allowSelfApproval) {
    return {
      outcome: 'refused',
      message: `${user} requested promotion #${promotion.id} and ${environment.name} does not allow self-approval: someone else${environment.approvals.from.length > 0 ? ` among ${describePeople(environment.approvals.from)}` : ''} must approve it.`,
    };
  }
  if (promotion.approvals.some((a) => a.user === user)) {
    return {
      outcome: 'duplicate',
      message: `${user} already approved promotion #${promotion.id}; each person counts once.`,
    };
  }
  const approvals = promotion.approvals.length + 1;
  const required = environment.approvals.required;
  return { outcome: 'counted', approvals, required, complete: approvals >= required };
}
