/**
 * The `with:` block of a `script` component. Commands are argv arrays, never
 * shell strings, so a version or an output can't turn into shell syntax.
 */
import { z } from 'zod';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function command(setting: string) {
  const argument = z
    .string({ error: `every argument of \`${setting}\` must be a string (quote numbers in YAML)` })
    .min(1, `\`${setting}\` has an empty argument: remove it or give it a value`);
  return z
    .array(argument, {
      error: (issue) =>
        issue.input === undefined
          ? `\`${setting}\` is required: the command to run as a list, e.g. ["node", "scripts/deploy.mjs", "\${version}"]`
          : `\`${setting}\` must be a list of arguments, e.g. ["node", "scripts/deploy.mjs", "\${version}"], not a shell string`,
    })
    .min(1, `\`${setting}\` is empty: give at least the program to run`);
}

const environmentVariables = z.record(
  z
    .string()
    .regex(ENV_NAME, 'environment variable names use letters, digits and _, and do not start with a digit')
    .refine((name) => !name.toUpperCase().startsWith('BATON_'), {
      message: 'names starting with BATON_ are set by Baton itself: choose another name',
    }),
  z.string({ error: 'environment values must be strings (quote numbers and booleans in YAML)' }),
  {
    // zod reports a bad key as "Invalid key in record"; say which rule it broke instead.
    error: (issue) =>
      issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : undefined,
  },
);

export const scriptConfigSchema = z.strictObject(
  {
    apply: command('apply'),
    plan: command('plan').optional(),
    current: command('current').optional(),
    verify: command('verify').optional(),
    rollback: command('rollback').optional(),
    cwd: z.string().min(1, '`cwd` is empty: leave it out to run in the config folder').optional(),
    env: environmentVariables.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: a script component accepts apply, plan, current, verify, rollback, cwd and env`
        : 'a script component needs a `with:` mapping with at least `apply`',
  },
);

export type ScriptConfig = z.infer<typeof scriptConfigSchema>;
