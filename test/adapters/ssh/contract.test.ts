/**
 * The ssh adapter against three real OpenSSH servers passes the contract
 * every target adapter passes: with current and rollback commands, and with
 * only the command that deploys.
 */
import { afterAll, beforeAll } from 'vitest';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { sshAdapter } from '../../../adapters/ssh/index.ts';
import type { SshConfig } from '../../../adapters/ssh/schema.ts';
import { makeAdapterContext } from '../context.ts';
import { describeAdapterContract, type AdapterCapabilities, type AdapterFixture } from '../contract-suite.ts';
import { makeWorkspace, startSshLab, type SshLab, type Workspace } from './workspace.ts';

let lab: SshLab;

beforeAll(async () => {
  lab = await startSshLab();
});

afterAll(async () => {
  await lab.stop();
});

function contractFixture(
  capabilities: AdapterCapabilities,
  configFor: (workspace: Workspace) => SshConfig,
): AdapterFixture {
  return {
    capabilities,
    setUp: async () => {
      const workspace = await makeWorkspace(lab);
      return {
        adapter: sshAdapter,
        context: (overrides: Partial<AdapterContext<unknown>> = {}) =>
          makeAdapterContext<unknown>({
            config: configFor(workspace),
            configDir: workspace.dir,
            workDir: `${workspace.dir}/work`,
            stepId: 'step-contract',
            version: '2.0.0',
            previousVersion: '1.0.0',
            ...overrides,
          }),
        cleanup: workspace.remove,
      };
    },
  };
}

describeAdapterContract(
  'ssh with currentCommand and rollbackCommand',
  contractFixture({ observesVersion: true, reversible: true }, (workspace) => workspace.settings()),
);

describeAdapterContract(
  'ssh with only a command',
  contractFixture({ observesVersion: false, reversible: false }, (workspace) =>
    workspace.settings({ currentCommand: undefined, rollbackCommand: undefined }),
  ),
);
