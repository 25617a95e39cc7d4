/** What a program Baton starts for a step learns about that step, as `BATON_*` variables. */
import type { AdapterContext } from './contract.ts';

export function stepEnvironment(ctx: AdapterContext<unknown>) {
  return {
    BATON_ENVIRONMENT: ctx.environment,
    BATON_COMPONENT: ctx.component,
    BATON_VERSION: ctx.version,
    BATON_PREVIOUS_VERSION: ctx.previousVersion ?? '',
    BATON_STEP_ID: ctx.stepId,
    BATON_PROMOTION_ID: ctx.promotionId,
  };
}
