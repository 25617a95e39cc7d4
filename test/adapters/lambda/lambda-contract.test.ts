/**
 * The shared adapter contract, run against the Lambda API stand-in with the
 * real AWS SDK: report-worker's alias `dev` runs 1.0.0, the step deploys 2.0.0.
 */
import { afterAll, beforeAll } from 'vitest';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import type { LambdaConfig } from '../../../adapters/lambda/schema.ts';
import { describeAdapterContract } from '../contract-suite.ts';
import { startLambdaWorld, useExampleCredentials } from './lambda-world.ts';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describeAdapterContract('lambda against the Lambda API stand-in', {
  capabilities: { observesVersion: true, reversible: true },
  setUp: async () => {
    const world = await startLambdaWorld();
    return {
      adapter: lambdaAdapter,
      context: (overrides: Partial<AdapterContext<unknown>> = {}) =>
        world.context({ stepId: 'step-contract', ...(overrides as Partial<AdapterContext<LambdaConfig>>) }),
      cleanup: world.close,
    };
  },
});
