/**
 * The `with:` block of a `lambda` component: which function, which alias, where
 * the release's code is, and how traffic moves to it.
 */
import { z } from 'zod';
import { WAIT_FORM, durationMs } from '../kit/durations.ts';
import { nonEmptyText } from '../kit/settings.ts';

/** Lambda's own rules for function names, aliases, regions and function ARNs. */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]{1,64}$/;
export const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const DEFAULT_WAIT_TIMEOUT = '5m';

function duration(setting: string, example: string) {
  return nonEmptyText(setting, example).refine((value) => (durationMs(value) ?? 0) > 0, {
    message: `\`${setting}\` must be a duration longer than zero: write ${WAIT_FORM}`,
  });
}

function unknownKeys(where: string, accepted: string) {
  return (issue: z.core.$ZodRawIssue): string | undefined =>
    issue.code === 'unrecognized_keys'
      ? `unknown setting ${issue.keys.map((key) => `\`${where}${key}\``).join(', ')}: ${accepted}`
      : undefined;
}

const codeSettings = z
  .strictObject(
    {
      s3Bucket: nonEmptyText('code.s3Bucket', 'acme-builds').optional(),
      s3Key: nonEmptyText('code.s3Key', '"builds/report-worker-${version}.zip"').optional(),
      imageUri: nonEmptyText(
        'code.imageUri',
        '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/report-worker:${version}"',
      ).optional(),
    },
    {
      error: (issue) =>
        unknownKeys(
          'code.',
          '`code` accepts s3Bucket and s3Key (a .zip in S3) or imageUri (a container image)',
        )(issue) ??
        (issue.input === undefined
          ? '`code` is required: where the release is, either { s3Bucket, s3Key } or { imageUri }'
          : '`code` must be a mapping, either { s3Bucket, s3Key } or { imageUri }'),
    },
  )
  .superRefine((code, context) => {
    const hasZip = code.s3Bucket !== undefined || code.s3Key !== undefined;
    if (hasZip && code.imageUri !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['imageUri'],
        message: '`code` takes either s3Bucket and s3Key (a .zip) or imageUri (a container image), not both',
      });
    } else if (hasZip) {
      for (const missing of (['s3Bucket', 's3Key'] as const).filter((setting) => code[setting] === undefined)) {
        context.addIssue({
          code: 'custom',
          path: [missing],
          message: `\`code.${missing}\` is required with a .zip in S3: give both s3Bucket and s3Key`,
        });
      }
    } else if (code.imageUri === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['s3Bucket'],
        message: '`code` is empty: give s3Bucket and s3Key (a .zip in S3) or imageUri (a container image)',
      });
    }
  });

const weightedSettings = z.strictObject(
  {
    percent: z
      .number({ error: '`weighted.percent` must be a whole number from 1 to 99, e.g. 10' })
      .int('`weighted.percent` must be a whole number from 1 to 99, e.g. 10')
      .min(1, '`weighted.percent` must be at least 1: leave `weighted` out to move all traffic at once')
      .max(99, '`weighted.percent` must be at most 99: leave `weighted` out to move all traffic at once'),
    for: duration('weighted.for', '10m'),
  },
  {
    error: (issue) =>
      unknownKeys('weighted.', '`weighted` accepts percent and for')(issue) ??
      '`weighted` must be a mapping such as { percent: 10, for: 10m }; leave it out to move all traffic at once',
  },
);

export const lambdaConfigSchema = z
  .strictObject(
    {
      function: nonEmptyText('function', 'report-worker').refine(
        (value) => FUNCTION_NAME.test(value) || FUNCTION_ARN.test(value),
        '`function` must be a function name (letters, digits, - and _, up to 64) or an unqualified function ARN ' +
          'such as arn:aws:lambda:eu-west-1:123456789012:function:report-worker; Baton publishes versions and moves the alias itself',
      ),
      alias: nonEmptyText('alias', 'staging')
        .regex(ALIAS_NAME, '`alias` uses letters, digits, - and _ (up to 128), and is not only digits')
        .optional(),
      code: codeSettings,
      region: nonEmptyText('region', 'eu-west-1').regex(
        REGION,
        '`region` must be an AWS region such as eu-west-1 or us-east-1',
      ),
      endpoint: z
        .url({ protocol: /^https?$/, error: '`endpoint` must be an http(s) URL, e.g. http://localhost:4566' })
        .optional(),
      weighted: weightedSettings.optional(),
      waitTimeout: duration('waitTimeout', DEFAULT_WAIT_TIMEOUT).optional(),
    },
    {
      error: (issue) =>
        unknownKeys(
          '',
          'a lambda component accepts function, alias, code, region, endpoint, weighted and waitTimeout',
        )(issue) ?? 'a lambda component needs a `with:` mapping with at least `function`, `code` and `region`',
    },
  )
  .superRefine((config, context) => {
    const arnRegion = FUNCTION_ARN.exec(config.function)?.[1];
    if (arnRegion !== undefined && arnRegion !== config.region) {
      context.addIssue({
        code: 'custom',
        path: ['region'],
        message: `\`function\` is an ARN in ${arnRegion} but \`region\` is ${config.region}: make them the same`,
      });
    }
  });

export type LambdaConfig = z.infer<typeof lambdaConfigSchema>;
export type CodeSettings = LambdaConfig['code'];
