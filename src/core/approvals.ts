/**
 * Who may approve or reject a promotion, decided from the environment's
 * approval policy. Pure: the caller applies the decision atomically.
 */
import type { Environment, Promotion } from './model.ts';
import { describePeople, isAmong } from './people.ts';

export type ApprovalDecision =
  | { outcome: 'counted'; approvals: number; required: number; complete: boolean }
  | { outcome: 'duplicate'; message: string }
  | { outcome: 'refused'; message: string };

export function mayDecide(
  environment: Environment,
  user: string,
  groups: Readonly<Record<string, string[]>>,
): { allowed: true } | { allowed: false; message: string } {
  const from = environment.approvals.from;
  if (from.length === 0 || isAmong(user, from, groups)) return { allowed: true };
  return {
    allowed: false,
    message: `${user} can't approve or reject promotions to ${environment.name}: only ${describePeople(from)} can. Ask one of them.`,
  };
}

export function decideApproval(
  promotion: Promotion,
  environment: Environment,
  user: string,
  groups: Readonly<Record<string, string[]>>,
): ApprovalDecision {
  if (promotion.state !== 'awaiting_approval') {
    return { outcome: 'refused', message: `Promotion #${promotion.id} is ${promotion.state.replace('_', ' ')}: it is not waiting for approval.` };
  }
  const permission = mayDecide(environment, user, groups);
  if (!permission.allowed) return { outcome: 'refused', message: permission.message };
  if (user === promotion.requestedBy && !environment.approvals.allowSelfApproval) {
    return {
      outcome: 'refused',
      message: `${user} requested promotion #${promotion.id} and ${environment.name} does not allow self-approval: someone else${environment.approvals.from.length > 0 ? ` among ${describePeople(environment.approvals.from)}` : ''} must approve it.`,
    };
  }
  if (promotion.approvals.some((a) => a.user === user)) {
    return { outcome: 'duplicate', message: `${user} already approved promotion #${promotion.id}; each person counts once.` };
  }
  const approvals = promotion.approvals.length + 1;
  const required = environment.approvals.required;
  return { outcome: 'counted', approvals, required, complete: approvals >= required };
}
