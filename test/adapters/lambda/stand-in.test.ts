/**
 * The Lambda API stand-in refuses what Lambda refuses, so the adapter's tests
 * would notice a client that skipped signing or signed for the wrong region.
 */
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLambdaWorld, useExampleCredentials, type LambdaWorld } from './lambda-world.ts';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describe('Lambda API stand-in', () => {
  let world: LambdaWorld;

  beforeEach(async () => {
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('refuses an unsigned request with 403 MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${world.standIn.endpoint}/2015-03-31/functions/report-worker/aliases/dev`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await response.json()).toEqual({ Type: 'User', message: 'Missing Authentication Token' });
  });

  it('refuses a request signed for another region', async () => {
    const client = new LambdaClient({ region: 'us-east-1', endpoint: world.standIn.endpoint });
    try {
      const error: unknown = await client
        .send(new GetAliasCommand({ FunctionName: 'report-worker', Name: 'dev' }))
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    } finally {
      client.destroy();
    }
  });

  it("answers the AWS SDK with Lambda's shapes", async () => {
    const alias = await world.client().send(new GetAliasCommand({ FunctionName: 'report-worker', Name: 'dev' }));
    expect(alias).toMatchObject({
      AliasArn: 'arn:aws:lambda:eu-west-1:123456789012:function:report-worker:dev',
      Name: 'dev',
      FunctionVersion: '1',
    });
    const missing: unknown = await world
      .client()
      .send(new GetAliasCommand({ FunctionName: 'report-worker', Name: 'production' }))
      .catch((caught: unknown) => caught);
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Alias not found: arn:aws:lambda:eu-west-1:123456789012:function:report-worker:production',
    });
  });
});
