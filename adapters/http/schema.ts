/**
 * The `with:` block of an `http` component: a request that starts a pipeline
 * elsewhere (Jenkins, GitHub Actions, any webhook), how to follow the run it
 * started, and which values of the answer become outputs.
 *
 * Settings are checked twice: when the config loads (placeholders such as
 * `${secret:CI_URL}` still in place) and before each step (resolved). So a URL
 * is only checked for its form once it holds no placeholder.
 */
import { z } from 'zod';
import { durationMs, WAIT_FORM } from '../kit/durations.ts';
import { DEFAULT_EXPECTED_STATUS, statusPatternProblem } from './expected-status.ts';
import { jsonPathProblem } from './json-path.ts';

/** RFC 9110 token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** The names `${component.outputs.name}` placeholders can refer to. */
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MIN_POLL_INTERVAL_MS = 100;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const HMAC_ALGORITHMS = ['sha256', 'sha512', 'sha1'] as const;

function holdsPlaceholder(text: string): boolean {
  return text.includes('${') || text.includes('{{');
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function url() {
  return z
    .string({ error: 'must be a URL, e.g. "https://ci.example/job/deploy/build"' })
    .min(1, 'is empty: give the URL to call')
    .refine((text) => holdsPlaceholder(text) || isHttpUrl(text), {
      message: 'must be an http:// or https:// URL, e.g. "https://ci.example/job/deploy/build"',
    });
}

function headers() {
  return z.record(
    z
      .string()
      .regex(HEADER_NAME, 'header names use letters, digits and - (no spaces or colons)')
      .refine((name) => name.toLowerCase() !== 'idempotency-key', {
        message: 'Idempotency-Key is set by Baton itself (to the step id): remove it',
      }),
    z.string({ error: 'header values must be strings (quote numbers in YAML)' }),
    {
      error: (issue) =>
        issue.code === 'invalid_key'
          ? issue.issues.map((inner) => inner.message).join('; ')
          : `\`headers\` must be a mapping of header names to values, e.g. { Authorization: "Bearer \${secret:CI_TOKEN}" }`,
    },
  );
}

function jsonPath() {
  return z.string({ error: 'must be a JSON path, e.g. "$.status"' }).superRefine((path, context) => {
    const problem = jsonPathProblem(path);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });
}

function duration(setting: string, minimumMs = 0) {
  return z
    .string({ error: `\`${setting}\` must be a duration such as "30s" (quote it in YAML)` })
    .superRefine((text, context) => {
      const ms = durationMs(text);
      if (ms === undefined)
        context.addIssue({ code: 'custom', message: `"${text}" is not a duration: write ${WAIT_FORM}` });
      else if (ms < minimumMs) {
        context.addIssue({
          code: 'custom',
          message: `\`${setting}\` is ${text}: wait at least ${minimumMs}ms between requests`,
        });
      }
    });
}

function strict<T extends z.core.$ZodLooseShape>(name: string, accepted: string, shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: \`${name}\` accepts ${accepted}`
        : issue.input === undefined
          ? `\`${name}\` is required: a mapping with ${accepted}`
          : `\`${name}\` must be a mapping with ${accepted}`,
  });
}

const statusPattern = z.union([z.number(), z.string()]).superRefine((pattern, context) => {
  const problem = statusPatternProblem(pattern);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

const expectStatus = z.preprocess(
  (value) => (Array.isArray(value) ? value : [value]),
  z.array(statusPattern).min(1, '`expectStatus` is an empty list: leave it out to accept any 2xx'),
);

const hmac = strict('hmac', 'secret, header, algorithm and prefix', {
  secret: z.string({ error: 'the shared secret, e.g. "${secret:CI_WEBHOOK_SECRET}"' }).min(1, '`secret` is empty'),
  header: z.string().regex(HEADER_NAME, 'header names use letters, digits and -').default('X-Hub-Signature-256'),
  algorithm: z
    .enum(HMAC_ALGORITHMS, { error: `\`algorithm\` must be one of ${HMAC_ALGORITHMS.join(', ')}` })
    .default('sha256'),
  prefix: z.string().optional(),
});

const trigger = strict('trigger', 'url, method, headers, body, hmac and expectStatus', {
  url: url(),
  method: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.toUpperCase() : value),
      z.enum(METHODS, { error: `\`method\` must be one of ${METHODS.join(', ')}` }),
    )
    .default('POST'),
  headers: headers().default({}),
  body: z.json({ error: 'a string, sent as it is, or any JSON value, sent as JSON' }).optional(),
  hmac: hmac.optional(),
  expectStatus: expectStatus.default(DEFAULT_EXPECTED_STATUS),
}).refine((settings) => settings.method !== 'GET' || settings.body === undefined, {
  message: 'a GET request cannot have a body: use POST, or move the values into the url',
  path: ['body'],
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'must be a string, number, true, false or null',
});

const regularExpression = z
  .string({ error: '`matches` must be a regular expression as a string' })
  .superRefine((pattern, context) => {
    try {
      new RegExp(pattern);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        message: `\`matches\` is not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

const CONDITION_TESTS = ['equals', 'in', 'matches'] as const;

function condition(setting: 'success' | 'failure') {
  return strict(setting, 'jsonPath and one of equals, in, matches', {
    jsonPath: jsonPath(),
    equals: scalar.optional(),
    in: z.array(scalar, { error: '`in` must be a list of values' }).min(1, '`in` is an empty list').optional(),
    matches: regularExpression.optional(),
  }).superRefine((settings, context) => {
    const tests = CONDITION_TESTS.filter((test) => settings[test] !== undefined);
    if (tests.length === 1) return;
    context.addIssue({
      code: 'custom',
      message:
        tests.length === 0
          ? `\`${setting}\` needs one of \`equals\`, \`in\` or \`matches\`, e.g. { jsonPath: "$.status", equals: "completed" }`
          : `\`${setting}\` takes one of \`equals\`, \`in\` or \`matches\`, not ${tests.map((test) => `\`${test}\``).join(' and ')}`,
    });
  });
}

const poll = strict('poll', 'url, headers, interval, timeout, success and failure', {
  url: url(),
  headers: headers().default({}),
  interval: duration('interval', MIN_POLL_INTERVAL_MS).default('5s'),
  timeout: duration('timeout').default('30m'),
  success: condition('success'),
  failure: condition('failure').optional(),
});

const outputValue = z
  .string({ error: 'each output is a JSON path such as "$.html_url" or a ${trigger.…} placeholder' })
  .superRefine((text, context) => {
    // `$${…}` is how the config file escapes a `${…}` the core must leave to the adapter.
    if (text.startsWith('${') || text.startsWith('$${')) return;
    const problem = jsonPathProblem(text);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  });

const outputs = z.record(
  z.string().regex(OUTPUT_NAME, 'output names use letters, digits, _ and -, starting with a letter or _'),
  outputValue,
  {
    error: (issue) =>
      issue.code === 'invalid_key'
        ? issue.issues.map((inner) => inner.message).join('; ')
        : '`outputs` must be a mapping of output names to JSON paths, e.g. { run_url: "$.html_url" }',
  },
);

const current = strict('current', 'url, headers and jsonPath', {
  url: url(),
  headers: headers().default({}),
  jsonPath: jsonPath(),
});

const rollback = strict('rollback', 'trigger, poll and outputs', {
  trigger,
  poll: poll.optional(),
  outputs: outputs.optional(),
});

export const httpConfigSchema = strict('with', 'trigger, poll, outputs, current and rollback', {
  trigger,
  poll: poll.optional(),
  outputs: outputs.optional(),
  current: current.optional(),
  rollback: rollback.optional(),
});

export type HttpConfig = z.infer<typeof httpConfigSchema>;
export type TriggerSettings = z.infer<typeof trigger>;
export type PollSettings = z.infer<typeof poll>;
export type Condition = z.infer<ReturnType<typeof condition>>;
export type CurrentSettings = z.infer<typeof current>;
/** What apply and rollback both run: a trigger, optionally followed by polling. */
export interface PipelineSettings {
  trigger: TriggerSettings;
  poll?: PollSettings | undefined;
  outputs?: Record<string, string> | undefined;
}
