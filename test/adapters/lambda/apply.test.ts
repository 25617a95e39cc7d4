/**
 * `apply` against the Lambda API stand-in with the real AWS SDK: the code
 * update and its status transition, publishing, moving the alias, and running
 * the same step again.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableStepError } from '../../../adapters/kit/step-errors.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import { imageContent, zipContent } from '../../harness/lambda/lambda-state.ts';
import {
  ACCESS_KEY_ID,
  BUCKET,
  FUNCTION_NAME,
  buildBytes,
  buildKey,
  failureOf,
  startLambdaWorld,
  useExampleCredentials,
  type LambdaWorld,
} from './lambda-world.ts';

const ALIAS_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:report-worker:dev';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describe('lambda apply', () => {
  let world: LambdaWorld;

  beforeEach(async () => {
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('updates the code, waits for the update to finish, publishes a version and moves the alias to it', async () => {
    // Long enough that Baton sees the update in progress before it finishes.
    world.standIn.updateDurationMs = 1_000;
    const ctx = world.context({ stepId: 'step-42' });
    const result = await lambdaAdapter.apply(ctx);

    expect(result.outputs).toEqual({
      functionVersion: '2',
      aliasArn: ALIAS_ARN,
      codeSha256: zipContent(buildBytes('2.0.0')).codeSha256,
    });
    expect(result.summary).toBe('report-worker: published version 2 (2.0.0), alias dev 1 → 2');
    expect(world.fn.versions.get('2')?.description).toBe('baton step-42 2.0.0');
    expect(world.alias()).toMatchObject({ functionVersion: '2' });
    expect(world.alias()?.weights).toBeUndefined();

    const requests = world.standIn.requests;
    const update = requests.findIndex((request) => request.operation === 'UpdateFunctionCode');
    const publish = requests.findIndex((request) => request.operation === 'PublishVersion');
    expect(requests[update]?.body).toMatchObject({ S3Bucket: BUCKET, S3Key: buildKey('2.0.0') });
    const polls = requests
      .slice(update + 1, publish)
      .map((request) => (request.answer as { LastUpdateStatus?: string }).LastUpdateStatus);
    expect(polls[0]).toBe('InProgress');
    expect(polls.at(-1)).toBe('Successful');
    // Guarded by the code hash and the revision Lambda reported once the update had finished.
    expect(requests[publish]?.body).toEqual({
      CodeSha256: zipContent(buildBytes('2.0.0')).codeSha256,
      RevisionId: (requests[publish - 1]?.answer as { RevisionId: string }).RevisionId,
      Description: 'baton step-42 2.0.0',
    });
    expect(requests.every((request) => request.accessKeyId === ACCESS_KEY_ID)).toBe(true);
    expect(ctx.logged).toContain('waiting for Lambda to finish the update (LastUpdateStatus InProgress)');
  });

  it('changes nothing when run again with the same step id, and returns the same outputs', async () => {
    const ctx = world.context({ stepId: 'step-42' });
    const first = await lambdaAdapter.apply(ctx);
    const changesBefore = world.standIn.requests.length;
    const second = await lambdaAdapter.apply(ctx);

    expect(second.outputs).toEqual(first.outputs);
    expect(second.summary).toBe('report-worker alias dev already runs 2.0.0 (version 2): nothing to do');
    const again = world.standIn.operations().slice(changesBefore);
    expect(again).toEqual(['GetAlias', 'GetFunctionConfiguration']);
    expect([...world.fn.versions.keys()]).toEqual(['1', '2']);
  });

  it('finishes a step that stopped after publishing, without publishing a second version', async () => {
    // Lambda keeps failing the alias move on its side, so the first attempt stops after PublishVersion.
    world.standIn.failNext('UpdateAlias', { status: 500, type: 'ServiceException', message: 'internal failure' }, 3);
    const ctx = world.context({ stepId: 'step-42' });
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('Alias dev may already send all traffic to version 2');
    expect(world.alias()?.functionVersion).toBe('1');

    const result = await lambdaAdapter.apply(ctx);
    expect(result.outputs.functionVersion).toBe('2');
    expect(world.alias()?.functionVersion).toBe('2');
    expect([...world.fn.versions.keys()]).toEqual(['1', '2']);
  });

  it('creates the alias when the environment has none yet', async () => {
    const ctx = world.context({ environment: 'staging' });
    const result = await lambdaAdapter.apply(ctx);
    expect(result.summary).toBe('report-worker: published version 2 (2.0.0), alias staging created at 2');
    expect(world.alias('staging')).toMatchObject({ functionVersion: '2' });
    expect(world.alias('dev')).toMatchObject({ functionVersion: '1' });
  });

  it('uses the `alias` setting instead of the environment name', async () => {
    await lambdaAdapter.apply(world.context({ environment: 'eu.prod', config: world.settings({ alias: 'dev' }) }));
    expect(world.alias('dev')?.functionVersion).toBe('2');
  });

  it('takes the function as an ARN', async () => {
    const ctx = world.context({
      config: world.settings({ function: `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION_NAME}` }),
    });
    expect((await lambdaAdapter.apply(ctx)).outputs.aliasArn).toBe(ALIAS_ARN);
  });

  it('deploys a container image to an image function', async () => {
    const image = (version: string): string => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/report-api:${version}`;
    const fn = world.state.createFunction('report-api', 'Image', imageContent(image('1.0.0')));
    world.state.publish(fn, 'baton step-seed 1.0.0');
    world.state.setAlias(fn, { name: 'dev', functionVersion: '1', description: '' });
    world.state.pushImage(image('2.0.0'));

    const ctx = world.context({
      config: world.settings({ function: 'report-api', code: { imageUri: image('2.0.0') } }),
    });
    const result = await lambdaAdapter.apply(ctx);
    expect(result.outputs.codeSha256).toBe(imageContent(image('2.0.0')).codeSha256);
    expect(fn.aliases.get('dev')?.functionVersion).toBe('2');
    expect(await lambdaAdapter.current(ctx)).toMatchObject({ version: '2.0.0' });
  });
});
