/**
 * Credentials come from the AWS SDK's default chain. Without any, the step
 * fails for good and says where the SDK looks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import { failureOf, startLambdaWorld, type LambdaWorld } from './lambda-world.ts';

/** Every place the default chain looks, emptied or pointed at nothing. */
const NO_CREDENTIALS: Record<string, string | undefined> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/baton-test/credentials',
  AWS_CONFIG_FILE: '/nonexistent/baton-test/config',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('lambda credentials', () => {
  let world: LambdaWorld;
  let saved: Record<string, string | undefined>;

  beforeEach(async () => {
    saved = Object.fromEntries(Object.keys(NO_CREDENTIALS).map((name) => [name, process.env[name]]));
    for (const [name, value] of Object.entries(NO_CREDENTIALS)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('fails for good without credentials, saying where to put them, and sends nothing unsigned', async () => {
    const error = await failureOf(lambdaAdapter.apply(world.context()));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Baton found no AWS credentials to call lambda:GetAlias');
    expect(error.message).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE');
    expect(world.standIn.requests).toEqual([]);
  });
});
