/**
 * Rolling back by re-applying the module with the previous version put back
 * into the variables that carry it — and refusing, with reasons, otherwise.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { terraformAdapter } from '../../../adapters/terraform/index.ts';
import type { TerraformConfig } from '../../../adapters/terraform/schema.ts';
import { VERSIONED_MODULE, failure, makeFixture, requireTerraform, type TerraformFixture } from './fixture.ts';

beforeEach(requireTerraform);

describe('terraform rollback', () => {
  let fixture: TerraformFixture;
  const released: Partial<TerraformConfig> = {
    vars: { release: '2.0.0', image: 'ghcr.io/acme/api:2.0.0' },
    rollback: { reapplyPrevious: true },
  };

  beforeEach(async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    await terraformAdapter.apply(
      fixture.context(
        { ...released, vars: { release: '1.0.0', image: 'ghcr.io/acme/api:1.0.0' } },
        { version: '1.0.0' },
      ),
    );
    await terraformAdapter.apply(fixture.context(released));
  });

  afterEach(async () => {
    await fixture?.remove();
  });

  it('puts the previous version back into every variable that carries the version', async () => {
    const result = await terraformAdapter.rollback(fixture.context(released), { version: '1.0.0' });
    expect(result.summary).toBe('re-applied the module with 1.0.0: +0 ~1 −0 in workspace dev');
    expect(result.outputs).toEqual({ version: '1.0.0', image: 'ghcr.io/acme/api:1.0.0' });
  });

  it('changes only the variables named in versionVars', async () => {
    const ctx = fixture.context({ ...released, rollback: { reapplyPrevious: true, versionVars: ['release'] } });
    const result = await terraformAdapter.rollback(ctx, { version: '1.0.0' });
    expect(result.outputs).toEqual({ version: '1.0.0', image: 'ghcr.io/acme/api:2.0.0' });
    expect(ctx.logged).toContain('Rolling back to 1.0.0: planning with `release`.');
  });

  it('is safe to run twice', async () => {
    await terraformAdapter.rollback(fixture.context(released), { version: '1.0.0' });
    const again = await terraformAdapter.rollback(fixture.context(released), { version: '1.0.0' });
    expect(again.summary).toBe('re-applied the module with 1.0.0: nothing to change in workspace dev');
  });

  it('refuses without a rollback setting, naming the component and how to make it reversible', async () => {
    const error = await failure(
      terraformAdapter.rollback(fixture.context({ ...released, rollback: undefined }), { version: '1.0.0' }),
    );
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Baton cannot roll back api in dev: api has no `rollback` setting');
    expect(error.message).toContain('`rollback: { reapplyPrevious: true }`');
    expect(await terraformAdapter.current(fixture.context(released))).toEqual({ version: '2.0.0' });
  });

  it('refuses when nothing ran before, rather than destroying anything', async () => {
    const error = await failure(terraformAdapter.rollback(fixture.context(released), { version: null }));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('no version is recorded as running before this step');
    expect(await terraformAdapter.current(fixture.context(released))).toEqual({ version: '2.0.0' });
  });

  it('refuses when no variable carries the version, since re-applying would change nothing', async () => {
    const ctx = fixture.context({ ...released, vars: { release: 'stable' } });
    const error = await failure(terraformAdapter.rollback(ctx, { version: '1.0.0' }));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('none of `vars` contains the version 2.0.0 being rolled back');
    expect(error.message).toContain('`rollback.versionVars`');
  });
});
