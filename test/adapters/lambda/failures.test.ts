/**
 * How `apply` fails, against the Lambda API stand-in answering the way Lambda
 * does: which failures another attempt can fix, and what each message tells
 * the person reading it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRetryable, RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import { startUpdate } from '../../harness/lambda/lambda-operations.ts';
import { zipContent } from '../../harness/lambda/lambda-state.ts';
import {
  ACCESS_KEY_ID,
  SECRET_ACCESS_KEY,
  buildKey,
  failureOf,
  startLambdaWorld,
  useExampleCredentials,
  type LambdaWorld,
} from './lambda-world.ts';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describe('lambda apply failures', () => {
  let world: LambdaWorld;

  beforeEach(async () => {
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('is retried when another update of the function is in progress, and passes once it is done', async () => {
    // Someone else's update, still running until the test finishes it.
    startUpdate(world.fn, zipContent('someone else deploying by hand'), 60_000);
    const ctx = world.context({ stepId: 'step-7' });

    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(isRetryable(error)).toBe(true);
    expect(error.message).toContain('another change to it is still in progress');
    expect(error.message).toContain('ResourceConflictException');
    expect(error.message).toContain('Alias dev still runs version 1 (1.0.0)');
    expect(world.alias()?.functionVersion).toBe('1');

    world.fn.finishUpdate?.();
    const result = await lambdaAdapter.apply(ctx);
    expect(result.outputs.functionVersion).toBe('2');
    expect(world.alias()?.functionVersion).toBe('2');
  });

  it("fails for good with Lambda's reason when the update ends Failed, publishing nothing", async () => {
    world.fn.nextUpdateFailure = {
      reasonCode: 'KMSKeyAccessDenied',
      reason: 'Lambda was unable to decrypt the environment variables because KMS access was denied.',
    };
    const error = await failureOf(lambdaAdapter.apply(world.context()));

    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `Lambda could not update report-worker in eu-west-1 to s3://acme-builds/${buildKey('2.0.0')}: KMSKeyAccessDenied: ` +
        'Lambda was unable to decrypt the environment variables because KMS access was denied.',
    );
    expect(error.message).toContain('Alias dev still runs version 1 (1.0.0)');
    expect(world.standIn.operations()).not.toContain('PublishVersion');
    expect([...world.fn.versions.keys()]).toEqual(['1']);
    expect(world.alias()?.functionVersion).toBe('1');
  });

  it('names the function, the region and what to check when the function does not exist', async () => {
    const ctx = world.context({ config: world.settings({ function: 'report-wroker' }) });
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Lambda in eu-west-1 has no function report-wroker');
    expect(error.message).toContain("Check `function` and `region` in worker's settings");
    expect(error.message).toContain('Nothing was changed.');
  });

  it('names the S3 object when the build was never uploaded', async () => {
    const ctx = world.context({
      version: '9.9.9',
      config: world.settings({ code: { s3Bucket: 'acme-builds', s3Key: buildKey('9.9.9') } }),
    });
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `refused lambda:UpdateFunctionCode on function report-worker for s3://acme-builds/${buildKey('9.9.9')}`,
    );
    expect(error.message).toContain('NoSuchKey');
  });

  it("is retried when Lambda keeps throttling after the SDK's own retries", async () => {
    const throttled = {
      status: 429,
      type: 'TooManyRequestsException',
      message: 'Rate exceeded',
      headers: { 'Retry-After': '0' },
    };
    world.standIn.failNext('UpdateFunctionCode', throttled, 3);
    const error = await failureOf(lambdaAdapter.apply(world.context()));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('throttled lambda:UpdateFunctionCode on function report-worker');
    expect(world.standIn.operations().filter((operation) => operation === 'UpdateFunctionCode')).toHaveLength(3);
  });

  it("passes when the SDK's own retry gets past a throttled request", async () => {
    world.standIn.failNext('PublishVersion', {
      status: 429,
      type: 'TooManyRequestsException',
      message: 'Rate exceeded',
    });
    expect((await lambdaAdapter.apply(world.context())).outputs.functionVersion).toBe('2');
  });

  it('fails for good on access denied, naming the action and the function but never the credentials', async () => {
    world.standIn.failNext('UpdateFunctionCode', {
      status: 403,
      type: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:UpdateFunctionCode on resource: ' +
        'arn:aws:lambda:eu-west-1:123456789012:function:report-worker because no identity-based policy allows the lambda:UpdateFunctionCode action',
    });
    const ctx = world.context();
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      "Baton's AWS credentials may not call lambda:UpdateFunctionCode on function report-worker in eu-west-1",
    );
    expect(error.message).toContain('Allow lambda:UpdateFunctionCode on report-worker');
    for (const text of [error.message, ...ctx.logged]) {
      expect(text).not.toContain(ACCESS_KEY_ID);
      expect(text).not.toContain(SECRET_ACCESS_KEY);
    }
  });

  it('keeps the access key id out of a signature error that quotes it', async () => {
    world.standIn.failNext('GetAlias', {
      status: 403,
      type: 'InvalidSignatureException',
      message: `The request signature we calculated does not match the signature you provided. Credential=${ACCESS_KEY_ID}/20260101/eu-west-1/lambda/aws4_request`,
    });
    const error = await failureOf(lambdaAdapter.apply(world.context()));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Credential=***/20260101');
    expect(error.message).not.toContain(ACCESS_KEY_ID);
  });

  it('redacts secrets the settings carry', async () => {
    const ctx = world.context({
      config: world.settings({ function: 'token-s3cr3t' }),
      redact: (text) => text.replaceAll('s3cr3t', '***'),
    });
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error.message).toContain('token-***');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('is retried when Lambda cannot be reached', async () => {
    const ctx = world.context({ config: world.settings({ endpoint: 'http://127.0.0.1:9' }) });
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('Baton could not reach Lambda in eu-west-1');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('stops while waiting for the update when the step is cancelled, leaving the alias alone', async () => {
    const slow = await startLambdaWorld({ updateDurationMs: 5_000 });
    try {
      const ctx = slow.context({
        log: (line) => {
          if (line.startsWith('waiting for Lambda')) ctx.abort(new Error('cancelled by alice'));
        },
      });
      const error = await failureOf(lambdaAdapter.apply(ctx));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('Stopped waiting for report-worker to finish updating its code');
      expect(error.message).toContain('cancelled by alice');
      expect(error.message).toContain('Alias dev still runs version 1 (1.0.0)');
      expect(slow.alias()?.functionVersion).toBe('1');
    } finally {
      await slow.close();
    }
  });

  it('is retried, naming `waitTimeout`, when the update outlasts it', async () => {
    const slow = await startLambdaWorld({ updateDurationMs: 5_000 });
    try {
      const error = await failureOf(
        lambdaAdapter.apply(slow.context({ config: slow.settings({ waitTimeout: '1s' }) })),
      );
      expect(error).toBeInstanceOf(RetryableStepError);
      expect(error.message).toContain(
        'report-worker in eu-west-1 was still updating its code after 1s (LastUpdateStatus InProgress)',
      );
      expect(error.message).toContain('raise `waitTimeout`');
    } finally {
      await slow.close();
    }
  });

  it('refuses an environment name that cannot be an alias, before calling Lambda', async () => {
    const error = await failureOf(lambdaAdapter.apply(world.context({ environment: 'eu.prod' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('the environment name "eu.prod", which Lambda does not accept as an alias name');
    expect(error.message).toContain('Set `alias`');
    expect(world.standIn.requests).toEqual([]);
  });
});
