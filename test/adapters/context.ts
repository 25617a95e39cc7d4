/**
 * An `AdapterContext` for tests, with the defaults a step in `dev` would get.
 * Adapter tests and the core's tests share it so both see the same shape.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext } from '../../adapters/kit/contract.ts';
import { LocalProgramSupervisor } from '../../src/program-supervisor.ts';

export interface TestAdapterContext<C> extends AdapterContext<C> {
  /** Every line the adapter logged, in order. */
  logged: string[];
  /** Aborts `signal`, as the core does on a timeout or a cancel. */
  abort(reason?: unknown): void;
  /** Removes the temporary folder made for `workDir`/`configDir` (nothing when both were given). */
  dispose(): Promise<void>;
}

type Overrides<C> = Partial<AdapterContext<C>>;

export function makeAdapterContext<C>(overrides: Overrides<C> & { config: C }): TestAdapterContext<C>;
export function makeAdapterContext(overrides?: Overrides<unknown>): TestAdapterContext<unknown>;
export function makeAdapterContext(overrides: Overrides<unknown> = {}): TestAdapterContext<unknown> {
  const needsFolder = overrides.workDir === undefined || overrides.configDir === undefined;
  const root = needsFolder ? mkdtempSync(join(tmpdir(), 'baton-context-')) : undefined;
  const workDir = overrides.workDir ?? join(root ?? tmpdir(), 'work');
  mkdirSync(workDir, { recursive: true });

  const controller = new AbortController();
  const signal = overrides.signal ? AbortSignal.any([controller.signal, overrides.signal]) : controller.signal;
  const logged: string[] = [];
  const forward = overrides.log;

  return {
    stepId: `step-${randomUUID().slice(0, 8)}`,
    promotionId: 'p-1',
    requestedBy: 'alice',
    release: 'api=2.0.0',
    environment: 'dev',
    component: 'api',
    version: '2.0.0',
    previousVersion: '1.0.0',
    config: {},
    inputs: {},
    configDir: root ?? tmpdir(),
    redact: (text) => text,
    programs: new LocalProgramSupervisor(undefined),
    ...overrides,
    workDir,
    signal,
    log: (line) => {
      logged.push(line);
      forward?.(line);
    },
    logged,
    abort: (reason) => controller.abort(reason),
    dispose: async () => {
      if (root !== undefined) await rm(root, { recursive: true, force: true });
    },
  };
}
