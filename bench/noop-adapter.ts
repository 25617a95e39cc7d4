/** A target that does nothing, fast: benchmarks measure Baton's own work, not a deploy script's. */
import { z } from 'zod';
import type { TargetAdapter } from '../src/core/adapter-contract.ts';

export const noopAdapter = {
  kind: 'noop',
  description: 'Does nothing, fast.',
  config: z.strictObject({}),
  step: { timeoutMs: 10_000, retries: 0 },
  current: async () => ({ version: null }),
  plan: async () => ({ summary: 'nothing', details: [], reversible: false, changes: true }),
  apply: async () => ({ outputs: {}, summary: 'done' }),
} satisfies TargetAdapter<Record<string, never>> as unknown as TargetAdapter;

/** Logs nothing: a benchmark's output is its figures. */
export const quiet = { info: () => {}, warn: () => {}, error: () => {} };
