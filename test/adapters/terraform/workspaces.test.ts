/**
 * One workspace per environment by default: the state of `dev` and the state
 * of `staging` never mix, even from one module folder and one work folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { terraformAdapter } from '../../../adapters/terraform/index.ts';
import { VERSIONED_MODULE, makeFixture, requireTerraform, type TerraformFixture } from './fixture.ts';

beforeEach(requireTerraform);

describe('terraform workspaces', () => {
  let fixture: TerraformFixture;

  beforeEach(async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
  });

  afterEach(async () => {
    await fixture?.remove();
  });

  function inEnvironment(environment: string, release: string, workspace?: string) {
    return fixture.context({ vars: { release }, workspace }, { environment, version: release });
  }

  it('keeps a separate state per environment', async () => {
    await terraformAdapter.apply(inEnvironment('dev', '2.0.0'));
    await terraformAdapter.apply(inEnvironment('staging', '1.9.0'));

    expect(await terraformAdapter.current(inEnvironment('dev', '2.0.0'))).toEqual({ version: '2.0.0' });
    expect(await terraformAdapter.current(inEnvironment('staging', '2.0.0'))).toEqual({ version: '1.9.0' });
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'dev', 'terraform.tfstate'))).toBe(true);
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'staging', 'terraform.tfstate'))).toBe(true);
    const preview = await terraformAdapter.plan(inEnvironment('staging', '2.0.0'));
    expect(preview.summary).toBe('+0 ~1 −0 in workspace staging');
  });

  it('reports nothing running in an environment never deployed to, without creating its workspace', async () => {
    await terraformAdapter.apply(inEnvironment('dev', '2.0.0'));
    expect(await terraformAdapter.current(inEnvironment('production', '2.0.0'))).toEqual({ version: null });
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'production'))).toBe(false);
  });

  it('uses the workspace setting instead of the environment name when given', async () => {
    await terraformAdapter.apply(inEnvironment('dev', '2.0.0', 'shared'));
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'shared', 'terraform.tfstate'))).toBe(true);
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'dev'))).toBe(false);
    expect(await terraformAdapter.current(inEnvironment('staging', '2.0.0', 'shared'))).toEqual({ version: '2.0.0' });
  });

  it('ignores a TF_WORKSPACE the worker was started with', async () => {
    const before = process.env.TF_WORKSPACE;
    process.env.TF_WORKSPACE = 'staging';
    try {
      await terraformAdapter.apply(inEnvironment('dev', '2.0.0'));
    } finally {
      if (before === undefined) delete process.env.TF_WORKSPACE;
      else process.env.TF_WORKSPACE = before;
    }
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'dev', 'terraform.tfstate'))).toBe(true);
    expect(existsSync(join(fixture.moduleDir, 'terraform.tfstate.d', 'staging'))).toBe(false);
  });
});
