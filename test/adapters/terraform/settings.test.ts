/** The `with:` block of a terraform component: defaults, and messages people can act on. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { terraformAdapter } from '../../../adapters/terraform/index.ts';

function problems(input: unknown): string {
  const result = terraformAdapter.config.safeParse(input);
  return result.success ? '' : z.prettifyError(result.error);
}

describe('terraform settings', () => {
  it('accepts the documented example', () => {
    expect(
      problems({
        dir: 'infra/iam',
        binary: 'tofu',
        workspace: 'production',
        vars: { image_tag: '1.4.2', region: 'eu-west-1' },
        varFiles: ['infra/iam/production.tfvars'],
        backendConfig: { bucket: 'acme-terraform-state', key: 'iam/production.tfstate' },
        env: { TF_PLUGIN_CACHE_DIR: '/var/cache/terraform', AWS_PROFILE: 'deploy' },
        lockTimeout: '5m',
        rollback: { reapplyPrevious: true, versionVars: ['image_tag'] },
        sensitiveOutputs: ['database_url'],
      }),
    ).toBe('');
  });

  it('fills in the binary and the lock timeout, and leaves the workspace to the environment', () => {
    expect(terraformAdapter.config.parse({ dir: 'infra/iam' })).toEqual({
      dir: 'infra/iam',
      binary: 'terraform',
      lockTimeout: '2m',
    });
  });

  it('requires dir, saying what it is', () => {
    expect(problems({})).toContain(
      '`dir` is required, e.g. "infra/iam" (the module folder, relative to the config file)',
    );
    expect(problems({ dir: '' })).toContain('`dir` is empty');
  });

  it('names unknown settings and lists the known ones', () => {
    expect(problems({ dir: 'infra', variables: {} })).toContain(
      'unknown setting `variables`: a terraform component accepts dir, binary, workspace, vars, varFiles, backendConfig, env, lockTimeout, rollback and sensitiveOutputs',
    );
  });

  it('wants strings for variable values, as Terraform takes them on the command line', () => {
    expect(problems({ dir: 'infra', vars: { replicas: 3 } })).toContain(
      'the values of `vars` must be strings (quote numbers and booleans in YAML)',
    );
    expect(problems({ dir: 'infra', vars: { 'image tag': '1' } })).toContain(
      'variable names use letters, digits, _ and -',
    );
  });

  it('refuses TF_DATA_DIR and TF_WORKSPACE in env, which would mix environments', () => {
    const text = problems({ dir: 'infra', env: { TF_DATA_DIR: '/tmp/x', TF_WORKSPACE: 'prod' } });
    expect(text).toContain('TF_DATA_DIR and TF_WORKSPACE are set by Baton');
    expect(text).toContain('env.TF_DATA_DIR');
    expect(text).toContain('env.TF_WORKSPACE');
  });

  it('wants a lock timeout in Terraform duration syntax', () => {
    expect(problems({ dir: 'infra', lockTimeout: '5 minutes' })).toContain(
      '`lockTimeout` must be a whole number followed by ms, s, m or h',
    );
  });

  it('checks the rollback setting, including that versionVars are among vars', () => {
    expect(problems({ dir: 'infra', rollback: true })).toContain(
      '`rollback` must be a mapping such as { reapplyPrevious: true }',
    );
    expect(problems({ dir: 'infra', rollback: { reapplyPrevious: false } })).toContain(
      '`rollback.reapplyPrevious` must be true',
    );
    expect(problems({ dir: 'infra', rollback: { reapplyPrevious: true, undo: 'all' } })).toContain(
      'unknown setting `rollback.undo`',
    );
    expect(
      problems({
        dir: 'infra',
        vars: { image_tag: '1' },
        rollback: { reapplyPrevious: true, versionVars: ['image_tg'] },
      }),
    ).toContain('`rollback.versionVars` names "image_tg", which is not one of `vars`');
  });

  it('wants sensitiveOutputs as a list of output names', () => {
    expect(problems({ dir: 'infra', sensitiveOutputs: 'database_url' })).toContain(
      '`sensitiveOutputs` must be a list of names',
    );
    expect(problems({ dir: 'infra', sensitiveOutputs: [] })).toContain('`sensitiveOutputs` is empty');
  });

  it('has the documented step defaults', () => {
    expect(terraformAdapter.step).toEqual({ timeoutMs: 30 * 60_000, retries: 2 });
  });
});
