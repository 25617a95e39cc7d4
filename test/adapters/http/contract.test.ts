/**
 * The http adapter against the shared adapter contract, driving the CI server
 * stand-in: once with `current` and `rollback` (it sees the version and can
 * undo), once as a plain webhook with neither.
 */
import { httpAdapter } from '../../../adapters/http/index.ts';
import type { TargetAdapter } from '../../../adapters/kit/contract.ts';
import { describeAdapterContract, type AdapterFixture } from '../contract-suite.ts';
import { deploySettings, makeWorkspace, WEBHOOK_SECRET } from './fixture.ts';

function fixture(kind: 'pipeline' | 'webhook'): AdapterFixture {
  const full = kind === 'pipeline';
  return {
    capabilities: { observesVersion: full, reversible: full },
    setUp: async () => {
      const workspace = await makeWorkspace();
      const settings = full
        ? deploySettings(workspace.server)
        : {
            trigger: {
              url: `${workspace.server.url}/workflows/deploy/dispatches`,
              body: { ref: 'main', inputs: { version: '2.0.0', environment: 'dev' } },
              hmac: { secret: WEBHOOK_SECRET },
            },
            outputs: { run_id: '$.id' },
          };
      return {
        adapter: httpAdapter as TargetAdapter,
        context: (overrides = {}) => workspace.context(settings, overrides),
        cleanup: () => workspace.remove(),
      };
    },
  };
}

describeAdapterContract('http (trigger, poll, current, rollback)', fixture('pipeline'));
describeAdapterContract('http (a webhook without poll, current or rollback)', fixture('webhook'));
