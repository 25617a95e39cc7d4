/** Which steps of a promotion changed their target, and which of those can be undone. */
import type { Promotion, Step } from './model.ts';

/** Steps that changed (or may have partly changed) their target and were not undone yet. */
export function appliedSteps(promotion: Promotion): Step[] {
  return promotion.steps.filter(
    (s) =>
      s.status === 'succeeded' ||
      s.status === 'rolling_back' ||
      s.status === 'rollback_failed' ||
      (s.status === 'failed' && s.before !== undefined),
  );
}

export function rollbackCandidates(promotion: Promotion): Step[] {
  return appliedSteps(promotion).filter((s) => s.preview?.reversible === true);
}
