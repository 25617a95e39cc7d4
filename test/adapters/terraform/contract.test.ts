/**
 * The terraform adapter against the shared adapter contract, with the real
 * Terraform binary and local state: deploying release 2.0.0 over a workspace
 * where 1.0.0 was applied.
 */
import { beforeEach } from 'vitest';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { terraformAdapter } from '../../../adapters/terraform/index.ts';
import type { TerraformConfig } from '../../../adapters/terraform/schema.ts';
import { describeAdapterContract, type AdapterCapabilities, type AdapterFixture } from '../contract-suite.ts';
import { UNVERSIONED_MODULE, VERSIONED_MODULE, makeFixture, requireTerraform } from './fixture.ts';

beforeEach(requireTerraform);

function contractFixture(
  capabilities: AdapterCapabilities,
  moduleSource: string,
  settings: Partial<TerraformConfig>,
): AdapterFixture {
  return {
    capabilities,
    setUp: async () => {
      const fixture = await makeFixture(moduleSource);
      await terraformAdapter.apply(
        fixture.context({ ...settings, vars: { release: '1.0.0' } }, { stepId: 'step-setup', version: '1.0.0' }),
      );
      return {
        adapter: terraformAdapter,
        context: (overrides: Partial<AdapterContext<unknown>> = {}) =>
          fixture.context(settings, { stepId: 'step-contract', ...overrides } as Partial<
            AdapterContext<TerraformConfig>
          >),
        cleanup: fixture.remove,
      };
    },
  };
}

describeAdapterContract(
  'terraform with a version output and rollback by re-applying the previous version',
  contractFixture({ observesVersion: true, reversible: true }, VERSIONED_MODULE, {
    vars: { release: '2.0.0' },
    rollback: { reapplyPrevious: true },
  }),
);

describeAdapterContract(
  'terraform without a version output or rollback',
  contractFixture({ observesVersion: false, reversible: false }, UNVERSIONED_MODULE, { vars: { release: '2.0.0' } }),
);
