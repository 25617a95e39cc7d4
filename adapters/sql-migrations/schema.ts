/**
 * The `with:` block of a `sql-migrations` component. The schema runs twice:
 * at load time, when `url` may still read `${secret:DATABASE_URL}`, and per
 * step with every placeholder resolved; so no rule here may need the secret,
 * and no message may quote a value.
 */
import { z } from 'zod';
import { DURATION_FORM, isPositiveDuration, parseDuration } from '../kit/durations.ts';

export const DEFAULT_TABLE = 'baton_migrations';
export const DEFAULT_LOCK_TIMEOUT = '1m';

const SETTINGS = 'dir, url, table, schema and lockTimeout';

// Unquoted PostgreSQL names fold to lower case; allowing only what survives
// folding means the name in the settings is the name in psql.
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const MAX_IDENTIFIER_BYTES = 63;
const CONNECTION_URL = /^postgres(?:ql)?:\/\//;

function identifier(setting: string, example: string) {
  return z
    .string({ error: `\`${setting}\` must be a name, e.g. ${example}` })
    .regex(
      IDENTIFIER,
      `\`${setting}\` must use lower-case letters, digits and _, starting with a letter or _, e.g. ${example}`,
    )
    .max(
      MAX_IDENTIFIER_BYTES,
      `\`${setting}\` is longer than PostgreSQL's limit of ${MAX_IDENTIFIER_BYTES} characters`,
    );
}

export const sqlMigrationsConfigSchema = z.strictObject(
  {
    dir: z
      .string({
        error: '`dir` is required: the folder of migration files, relative to the config file, e.g. db/migrations',
      })
      .min(1, '`dir` is empty: give the folder of migration files, e.g. db/migrations'),
    url: z
      .string({ error: '`url` is required: the connection string, usually "${secret:DATABASE_URL}"' })
      .refine((url) => url.includes('${') || CONNECTION_URL.test(url), {
        message:
          '`url` must be a postgres:// or postgresql:// connection string; keep it in a secret: "${secret:DATABASE_URL}"',
      }),
    table: identifier('table', DEFAULT_TABLE).optional(),
    schema: identifier('schema', 'app').optional(),
    lockTimeout: z
      .string({ error: `\`lockTimeout\` must be a duration: ${DURATION_FORM}` })
      .refine(isPositiveDuration, { message: `\`lockTimeout\` must be a duration longer than zero: ${DURATION_FORM}` })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: a sql-migrations component accepts ${SETTINGS}`
        : 'a sql-migrations component needs a `with:` mapping with at least `dir` and `url`',
  },
);

export type SqlMigrationsConfig = z.infer<typeof sqlMigrationsConfigSchema>;

export function lockTimeoutMs(config: SqlMigrationsConfig): number {
  return parseDuration(config.lockTimeout ?? DEFAULT_LOCK_TIMEOUT);
}
