import { z } from 'zod';
import type { AdapterLookup, TargetAdapter } from '../../src/core/adapter-contract.ts';

function fakeAdapter(kind: string, config: z.ZodType): TargetAdapter {
  return {
    kind,
    description: `Test stand-in for a ${kind} adapter.`,
    config,
    step: { timeoutMs: 60_000, retries: 0 },
    current: () => Promise.resolve({ version: null }),
    plan: () => Promise.resolve({ summary: 'nothing', details: [], reversible: true, changes: false }),
    apply: () => Promise.resolve({ outputs: {}, summary: 'nothing' }),
  };
}

const fakes = new Map<string, TargetAdapter>([
  ['script', fakeAdapter('script', z.strictObject({ apply: z.array(z.string()).min(1) }))],
  ['noop', fakeAdapter('noop', z.strictObject({}))],
  [
    'http',
    fakeAdapter('http', z.strictObject({ url: z.string(), headers: z.record(z.string(), z.string()).optional() })),
  ],
]);

/** Adapter kinds `script` (needs `apply: [...]`), `noop` (takes no settings) and `http` (`url`, nested `headers`). */
export const fakeAdapters: AdapterLookup = {
  get: (kind) => fakes.get(kind),
  kinds: () => [...fakes.keys()],
};
