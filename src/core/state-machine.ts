/** The one state machine every promotion follows. */
import type { PromotionState } from './model.ts';

const NEXT: Record<PromotionState, readonly PromotionState[]> = {
  planning: ['awaiting_approval', 'approved', 'failed', 'interrupted'],
  awaiting_approval: ['approved', 'rejected', 'interrupted'],
  // Back to planning when its environment changed between the plan and the start.
  approved: ['running', 'planning', 'interrupted'],
  running: ['succeeded', 'failed', 'interrupted'],
  succeeded: ['rolling_back'],
  failed: ['rolling_back'],
  interrupted: ['rolling_back'],
  rolling_back: ['rolled_back', 'failed', 'interrupted'],
  rejected: [],
  rolled_back: [],
};

export function canMove(from: PromotionState, to: PromotionState): boolean {
  return NEXT[from].includes(to);
}

export function assertMove(from: PromotionState, to: PromotionState, promotionId: string): void {
  if (!canMove(from, to)) {
    throw new Error(`Promotion #${promotionId} cannot go from ${from} to ${to}.`);
  }
}
