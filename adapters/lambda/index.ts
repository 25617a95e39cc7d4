/**
 * The `lambda` adapter: deploys a release to an AWS Lambda function by
 * updating its code, publishing a version and moving an alias to it,
 * optionally shifting a share of the traffic first.
 */
import { lazyAdapter } from '../kit/lazy-adapter.ts';
import { lambdaConfigSchema, type LambdaConfig } from './schema.ts';

// The AWS SDK's Lambda client loads the first time a step uses it: a bot with no lambda component does not carry it.
export const lambdaAdapter = lazyAdapter<LambdaConfig>(
  {
    kind: 'lambda',
    description:
      'Deploys a release to an AWS Lambda function: updates its code, publishes a version and moves an alias to it, optionally shifting a share of the traffic first.',
    config: lambdaConfigSchema,
    // Long enough for a 10-minute weighted shift plus the code update; a component can set its own `timeout`.
    step: { timeoutMs: 30 * 60_000, retries: 3 },
  },
  {
    current: () => import('./current.ts'),
    plan: () => import('./plan.ts'),
    apply: () => import('./apply.ts'),
    rollback: () => import('./rollback.ts'),
  },
);
