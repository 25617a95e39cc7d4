/**
 * The `lambda` adapter: deploys a release to an AWS Lambda function by
 * updating its code, publishing a version and moving an alias to it,
 * optionally shifting a share of the traffic first.
 */
import type { Observed } from '../../src/core/model.ts';
import type { TargetAdapter } from '../contract.ts';
import { applyRelease } from './apply.ts';
import { observeAlias, observedFrom } from './observe.ts';
import { previewRelease } from './plan.ts';
import { rollbackAlias } from './rollback.ts';
import { lambdaConfigSchema, type LambdaConfig } from './schema.ts';
import { withLambda, type LambdaContext } from './session.ts';

function current(ctx: LambdaContext): Promise<Observed> {
  return withLambda(ctx, async (session) => observedFrom(await observeAlias(session)));
}

export const lambdaAdapter: TargetAdapter<LambdaConfig> = {
  kind: 'lambda',
  description:
    'Deploys a release to an AWS Lambda function: updates its code, publishes a version and moves an alias to it, optionally shifting a share of the traffic first.',
  config: lambdaConfigSchema,
  // Long enough for a 10-minute weighted shift plus the code update; a component can set its own `timeout`.
  step: { timeoutMs: 30 * 60_000, retries: 3 },
  current,
  plan: previewRelease,
  apply: applyRelease,
  rollback: rollbackAlias,
};
