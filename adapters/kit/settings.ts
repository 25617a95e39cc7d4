/**
 * Zod pieces that several adapters' `with:` blocks share. Messages name the
 * setting and show what to write, since people read them next to their YAML.
 */
import { z } from 'zod';

/** Environment variable names as every shell accepts them. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface TextOptions {
  /** Blanks around the value do not count (and are removed). */
  trim?: boolean;
  /** The message for an empty value adds that the setting may be left out. */
  orLeaveOut?: boolean;
}

/** A string setting that must not be empty. */
export function nonEmptyText(setting: string, example: string, { trim = false, orLeaveOut = false }: TextOptions = {}) {
  const text = z.string({
    error: (issue) =>
      issue.input === undefined
        ? `\`${setting}\` is required, e.g. ${example}`
        : `\`${setting}\` must be a string, e.g. ${example}`,
  });
  return (trim ? text.trim() : text).min(
    1,
    `\`${setting}\` is empty: give a value, e.g. ${example}${orLeaveOut ? ', or leave it out' : ''}`,
  );
}

interface CommandOptions<A extends z.ZodType<string>> {
  /** What the command is for, e.g. "the command to run on each host". */
  what: string;
  /** A command as YAML writes it, e.g. ["node", "scripts/deploy.mjs", "${version}"]. */
  example: string;
  /** Checks of each argument beyond being a non-empty string. */
  argument?: (text: z.ZodString) => A;
}

/**
 * A command as an argv list, never a shell string, so that a version or an
 * output can't turn into shell syntax.
 */
export function argvCommand<A extends z.ZodType<string> = z.ZodString>(setting: string, options: CommandOptions<A>) {
  const text = z
    .string({ error: `every argument of \`${setting}\` must be a string (quote numbers in YAML)` })
    .min(1, `\`${setting}\` has an empty argument: remove it or give it a value`);
  const argument = options.argument ? options.argument(text) : text;
  return z
    .array(argument, {
      error: (issue) =>
        issue.input === undefined
          ? `\`${setting}\` is required: ${options.what} as a list, e.g. ${options.example}`
          : `\`${setting}\` must be a list of arguments, e.g. ${options.example}, not a shell string`,
    })
    .min(1, `\`${setting}\` is empty: give at least the program to run`);
}

/** The `env` of a component whose programs Baton starts; Baton sets the BATON_ variables itself. */
export const environmentVariables = z.record(
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
