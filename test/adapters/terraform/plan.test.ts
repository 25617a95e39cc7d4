/**
 * What people approve: `plan()` against the real Terraform, over a workspace
 * where release 1.0.0 was applied.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { terraformAdapter } from '../../../adapters/terraform/index.ts';
import { RESOURCES_MODULE, failure, makeFixture, requireTerraform, type TerraformFixture } from './fixture.ts';

beforeEach(requireTerraform);

describe('terraform plan', () => {
  let fixture: TerraformFixture;

  beforeEach(async () => {
    fixture = await makeFixture(RESOURCES_MODULE);
    await terraformAdapter.apply(
      fixture.context({ vars: { release: '1.0.0' } }, { stepId: 'step-1.0.0', version: '1.0.0' }),
    );
  });

  afterEach(async () => {
    await fixture?.remove();
  });

  const nextRelease = { release: '2.0.0', keep_old: 'false', with_extra: 'true', cache_key: 'b' };

  it('counts creates, updates and destroys, lists every address and puts destroys first, spelled out', async () => {
    const preview = await terraformAdapter.plan(fixture.context({ vars: nextRelease }));
    expect(preview).toEqual({
      summary: '+2 ~1 −2 in workspace dev',
      details: [
        'DESTROY terraform_data.old[0] (count no longer includes it)',
        'DESTROY and re-create terraform_data.cache (a changed argument forces replacement)',
        '~ update terraform_data.app',
        '+ create terraform_data.extra[0]',
        'outputs that change: version',
      ],
      reversible: false,
      changes: true,
    });
  });

  it('changes nothing: after two plans the workspace still runs 1.0.0 and the whole change is still to make', async () => {
    const ctx = fixture.context({ vars: nextRelease });
    await terraformAdapter.plan(ctx);
    await terraformAdapter.plan(ctx);
    expect(await terraformAdapter.current(ctx)).toEqual({ version: '1.0.0' });
    expect((await terraformAdapter.plan(fixture.context({ vars: nextRelease }))).summary).toBe(
      '+2 ~1 −2 in workspace dev',
    );
  });

  it('says there is nothing to change when the workspace already matches', async () => {
    const preview = await terraformAdapter.plan(fixture.context({ vars: { release: '1.0.0' } }, { version: '1.0.0' }));
    expect(preview).toEqual({ summary: 'no changes in workspace dev', details: [], reversible: false, changes: false });
  });

  it('is reversible only when rollback is configured', async () => {
    const preview = await terraformAdapter.plan(fixture.context({ rollback: { reapplyPrevious: true } }));
    expect(preview.reversible).toBe(true);
  });

  it('streams what Terraform plans to the step log as readable lines, not JSON', async () => {
    const ctx = fixture.context({ vars: nextRelease });
    await terraformAdapter.plan(ctx);
    expect(ctx.logged).toContain('terraform_data.old[0]: Plan to delete');
    expect(ctx.logged).toContain('Plan: 2 to add, 1 to change, 2 to destroy.');
    expect(ctx.logged.some((line) => line.startsWith('{'))).toBe(false);
    expect(ctx.logged.find((line) => line.includes(' plan '))).toMatch(
      /^\$ \/usr\/local\/bin\/terraform plan -input=false -no-color -json -lock-timeout=2m -detailed-exitcode -out=\S+\.tfplan -var=release=2\.0\.0 -var=keep_old=false/,
    );
  });

  it('passes var files relative to the config folder, with vars taking precedence', async () => {
    await appendFile(join(fixture.root, 'dev.tfvars'), 'release = "from-file"\nwith_extra = true\n');
    const preview = await terraformAdapter.plan(
      fixture.context({ varFiles: ['dev.tfvars'], vars: { release: '1.0.0' } }, { version: '1.0.0' }),
    );
    expect(preview.details).toEqual(['+ create terraform_data.extra[0]']);
  });

  it('says which var file is missing and where paths start', async () => {
    const ctx = fixture.context({ varFiles: ['missing.tfvars'] });
    await expect(terraformAdapter.plan(ctx)).rejects.toThrow(
      `The variables file ${join(fixture.root, 'missing.tfvars')} named in \`varFiles\` of api does not exist`,
    );
  });

  it('fails with what Terraform said when the settings do not fit the module', async () => {
    const ctx = fixture.context({ vars: { release: '2.0.0', no_such_variable: 'x' } });
    const error = await failure(terraformAdapter.plan(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('(plan of api in dev, workspace dev) failed with exit code 1');
    expect(error.message).toContain('Error: Value for undeclared variable');
    expect(error.message).toContain('A variable named "no_such_variable" was assigned on the command line');
    expect(error.message).toContain("Fix the module or the component's settings");
  });

  it('says so when the module folder does not exist', async () => {
    const ctx = fixture.context({ dir: 'infra/nowhere' });
    await expect(terraformAdapter.plan(ctx)).rejects.toThrow(
      `The Terraform module folder ${join(fixture.root, 'infra/nowhere')} of api does not exist`,
    );
  });
});
