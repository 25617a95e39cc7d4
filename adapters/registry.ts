/**
 * Every adapter kind Baton knows, listed by hand so that what ships is what is
 * written here. Adding a kind = one folder under adapters/ + one line below;
 * test/adapters/registry.test.ts fails when a folder is missing from this map.
 */
import { httpAdapter } from './http/index.ts';
import type { AdapterLookup, TargetAdapter } from './kit/contract.ts';
import { kubernetesAdapter } from './kubernetes/index.ts';
import { lambdaAdapter } from './lambda/index.ts';
import { scriptAdapter } from './script/index.ts';
import { sqlMigrationsAdapter } from './sql-migrations/index.ts';
import { sshAdapter } from './ssh/index.ts';
import { terraformAdapter } from './terraform/index.ts';

export const adapterRegistry: ReadonlyMap<string, TargetAdapter> = new Map<string, TargetAdapter>([
  ['http', httpAdapter],
  ['kubernetes', kubernetesAdapter],
  ['lambda', lambdaAdapter],
  ['script', scriptAdapter],
  ['sql-migrations', sqlMigrationsAdapter],
  ['ssh', sshAdapter],
  ['terraform', terraformAdapter],
]);

export function createAdapterLookup(map: ReadonlyMap<string, TargetAdapter> = adapterRegistry): AdapterLookup {
  return {
    get: (kind) => map.get(kind),
    kinds: () => [...map.keys()].sort(),
  };
}
