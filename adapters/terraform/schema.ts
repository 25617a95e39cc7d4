/**
 * The `with:` block of a `terraform` component. Every value reaches Terraform
 * as one argv argument, never through a shell.
 */
import { z } from 'zod';
import { ENV_NAME, nonEmptyText } from '../kit/settings.ts';

/** Terraform's identifier syntax, which `variable` and `output` names follow. */
const TERRAFORM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Terraform's `-lock-timeout` duration syntax. */
const DURATION = /^\d+(ms|s|m|h)$/;

/** Baton sets these itself; a component that set them would share state between environments. */
const RESERVED_ENV = ['TF_DATA_DIR', 'TF_WORKSPACE'] as const;

const DEFAULT_BINARY = 'terraform';
const DEFAULT_LOCK_TIMEOUT = '2m';

function nonEmpty(setting: string, example: string, { required = false } = {}) {
  return nonEmptyText(setting, example, { orLeaveOut: !required });
}

/** zod reports a bad record key as "Invalid key in record"; say which rule it broke instead. */
function keyIssues(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : undefined;
}

function stringMap(setting: string, key: z.ZodType<string>, example: string) {
  return z.record(
    key,
    z.string({ error: `the values of \`${setting}\` must be strings (quote numbers and booleans in YAML)` }),
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `\`${setting}\` must be a mapping of names to values, e.g. ${example}`
          : keyIssues(issue),
    },
  );
}

function nameList(setting: string, what: string, example: string) {
  return z
    .array(nonEmpty(`${setting}[]`, example).regex(TERRAFORM_NAME, `every entry of \`${setting}\` must be ${what}`), {
      error: `\`${setting}\` must be a list of names, e.g. [${example}]`,
    })
    .min(1, `\`${setting}\` is empty: name at least one, or leave it out`);
}

const variableName = z
  .string()
  .regex(TERRAFORM_NAME, 'variable names use letters, digits, _ and -, and start with a letter or _');

const environmentName = z
  .string()
  .regex(ENV_NAME, 'environment variable names use letters, digits and _, and do not start with a digit')
  .refine((name) => !(RESERVED_ENV as readonly string[]).includes(name), {
    message: `${RESERVED_ENV.join(' and ')} are set by Baton so that every environment keeps its own working folder and workspace: remove them, and use \`workspace\` to pick the workspace`,
  });

const backendKey = z.string().min(1, '`backendConfig` keys cannot be empty');

const rollbackSettings = z.strictObject(
  {
    reapplyPrevious: z.literal(true, {
      error:
        '`rollback.reapplyPrevious` must be true: it is how you ask Baton to roll back by re-applying the previous version',
    }),
    versionVars: nameList('rollback.versionVars', 'the name of one of `vars`', '"image_tag"').optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((key) => `\`rollback.${key}\``).join(', ')}: \`rollback\` accepts reapplyPrevious and versionVars`
        : '`rollback` must be a mapping such as { reapplyPrevious: true }; leave it out to make the step irreversible',
  },
);

export const terraformConfigSchema = z
  .strictObject(
    {
      dir: nonEmpty('dir', '"infra/iam" (the module folder, relative to the config file)', { required: true }),
      binary: nonEmpty('binary', '"tofu"').default(DEFAULT_BINARY),
      workspace: nonEmpty('workspace', '"${env}"').optional(),
      vars: stringMap('vars', variableName, '{ image_tag: "${version}" }').optional(),
      varFiles: z
        .array(nonEmpty('varFiles[]', '"infra/iam/production.tfvars"'), {
          error: '`varFiles` must be a list of files, e.g. ["infra/iam/${env}.tfvars"]',
        })
        .optional(),
      backendConfig: stringMap('backendConfig', backendKey, '{ key: "iam/${env}.tfstate" }').optional(),
      env: stringMap('env', environmentName, '{ TF_PLUGIN_CACHE_DIR: /var/cache/terraform }').optional(),
      lockTimeout: z
        .string({ error: '`lockTimeout` must be a duration such as "30s" or "5m"' })
        .regex(DURATION, '`lockTimeout` must be a whole number followed by ms, s, m or h, e.g. "30s" or "5m"')
        .default(DEFAULT_LOCK_TIMEOUT),
      rollback: rollbackSettings.optional(),
      sensitiveOutputs: nameList(
        'sensitiveOutputs',
        'the name of an output of the module',
        '"database_url"',
      ).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: a terraform component accepts dir, binary, workspace, vars, varFiles, backendConfig, env, lockTimeout, rollback and sensitiveOutputs`
          : 'a terraform component needs a `with:` mapping with at least `dir`, the folder of the Terraform module',
    },
  )
  .superRefine((config, context) => {
    for (const [index, name] of (config.rollback?.versionVars ?? []).entries()) {
      if (config.vars?.[name] !== undefined) continue;
      context.addIssue({
        code: 'custom',
        path: ['rollback', 'versionVars', index],
        message: `\`rollback.versionVars\` names "${name}", which is not one of \`vars\`: Baton can only put the previous version back into a variable it passes`,
      });
    }
  });

export type TerraformConfig = z.infer<typeof terraformConfigSchema>;
