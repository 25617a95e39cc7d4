/**
 * The `with:` block of a `script` component. Commands are argv arrays, never
 * shell strings, so a version or an output can't turn into shell syntax.
 */
import { z } from 'zod';
import { argvCommand, environmentVariables } from '../kit/settings.ts';

function command(setting: string) {
  return argvCommand(setting, { what: 'the command to run', example: '["node", "scripts/deploy.mjs", "${version}"]' });
}

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
