/** The `with:` block of a lambda component: what it accepts and how it explains what it does not. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';

function problems(input: unknown): string {
  const result = lambdaAdapter.config.safeParse(input);
  return result.success ? '' : z.prettifyError(result.error);
}

const MINIMAL = {
  function: 'report-worker',
  region: 'eu-west-1',
  code: { s3Bucket: 'acme-builds', s3Key: 'builds/report-worker-2.0.0.zip' },
};

describe('lambda settings', () => {
  it('accepts the documented examples', () => {
    expect(
      problems({
        ...MINIMAL,
        alias: 'staging',
        endpoint: 'http://localhost:4566',
        weighted: { percent: 10, for: '10m' },
        waitTimeout: '5m',
      }),
    ).toBe('');
    expect(
      problems({
        function: 'arn:aws:lambda:eu-west-1:123456789012:function:report-api',
        region: 'eu-west-1',
        code: { imageUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/report-api:2.0.0' },
      }),
    ).toBe('');
  });

  it('names the missing settings', () => {
    const text = problems({});
    expect(text).toContain('`function` is required');
    expect(text).toContain('`code` is required');
    expect(text).toContain('`region` is required');
  });

  it('wants either a zip in S3 or an image, complete', () => {
    expect(problems({ ...MINIMAL, code: { s3Bucket: 'acme-builds' } })).toContain(
      '`code.s3Key` is required with a .zip in S3',
    );
    expect(problems({ ...MINIMAL, code: { s3Bucket: 'b', s3Key: 'k', imageUri: 'i' } })).toContain('not both');
    expect(problems({ ...MINIMAL, code: {} })).toContain('`code` is empty');
    expect(problems({ ...MINIMAL, code: { s3bucket: 'b' } })).toContain('unknown setting `code.s3bucket`');
  });

  it('rejects a qualified ARN, an ARN in another region and a region that is not one', () => {
    expect(
      problems({ ...MINIMAL, function: 'arn:aws:lambda:eu-west-1:123456789012:function:report-worker:7' }),
    ).toContain('Baton publishes versions and moves the alias itself');
    expect(
      problems({ ...MINIMAL, function: 'arn:aws:lambda:us-east-1:123456789012:function:report-worker' }),
    ).toContain('`function` is an ARN in us-east-1 but `region` is eu-west-1');
    expect(problems({ ...MINIMAL, region: 'eu-west1' })).toContain('`region` must be an AWS region');
  });

  it('rejects an alias Lambda would refuse', () => {
    expect(problems({ ...MINIMAL, alias: '42' })).toContain('is not only digits');
    expect(problems({ ...MINIMAL, alias: 'eu.prod' })).toContain('`alias` uses letters, digits, - and _');
  });

  it('wants a whole percent between 1 and 99 and a real duration for a weighted shift', () => {
    expect(problems({ ...MINIMAL, weighted: { percent: 100, for: '10m' } })).toContain('at most 99');
    expect(problems({ ...MINIMAL, weighted: { percent: 2.5, for: '10m' } })).toContain('whole number');
    expect(problems({ ...MINIMAL, weighted: { percent: 10, for: 'ten minutes' } })).toContain(
      '`weighted.for` must be a duration',
    );
    expect(problems({ ...MINIMAL, weighted: { percent: 10 } })).toContain('`weighted.for` is required');
    expect(problems({ ...MINIMAL, waitTimeout: '0s' })).toContain('`waitTimeout` must be a duration longer than zero');
  });

  it('rejects an endpoint that is not an http(s) URL', () => {
    expect(problems({ ...MINIMAL, endpoint: 'localhost:4566' })).toContain('`endpoint` must be an http(s) URL');
  });

  it('has step defaults that leave room for a weighted shift', () => {
    expect(lambdaAdapter.step).toEqual({ timeoutMs: 30 * 60_000, retries: 3 });
  });
});
