/** Everything the core's services share, handed in once at start-up. */
import { BatonError, ErrorCode, quoteInput } from '../errors.ts';
import { closestName, listNames } from '../config-loader/suggest.ts';
import type { AdapterLookup, ProgramSupervisor } from './adapter-contract.ts';
import type { JobQueue, Store } from '../engine/contract.ts';
import type { AuditLog } from './audit.ts';
import type { Environment, Pipeline } from './model.ts';
import type { Clock, EvidenceFiles, Logger, OutputCipher, SecretSource, UserGroupDirectory } from './capabilities.ts';

/** The runtime's program supervisor, as the core sees it. */
export interface Programs extends ProgramSupervisor {
  /** Stops what programs a step started left running (a process that died mid-step); how many were stopped. */
  stopLeftovers(stepId: string): Promise<number>;
}

export interface CoreRuntime {
  pipeline: Pipeline;
  store: Store;
  queue: JobQueue;
  adapters: AdapterLookup;
  audit: AuditLog;
  clock: Clock;
  secrets: SecretSource;
  /** Keeps sensitive outputs encrypted in the store (promotions and ledger). */
  cipher: OutputCipher;
  logger: Logger;
  /** Adapters keep working copies here. */
  workDir: string;
  /** The programs steps start: recovery stops what a crashed process left running. */
  programs: Programs;
  /** Where archived promotions' evidence bundles are written and read back. */
  evidenceFiles: EvidenceFiles;
  /** First wait before retrying a failed step attempt; doubles each time. */
  retryDelayMs: number;
  /** Looks up members of groups linked to the chat platform's user groups; absent where there is none (the console). */
  userGroups?: UserGroupDirectory;
  /**
   * Fires when this process lets go of the jobs it is running (a shutdown
   * whose grace period ran out): their adapters are stopped, and what they
   * did is left for the worker that takes the job over, not recorded here.
   */
  stopping?: AbortSignal;
}

/**
 * Throws the reason this process let go of its jobs, if it has: a job must
 * not record a failure that only means "this worker is going away".
 */
export function throwIfHandedBack(runtime: CoreRuntime): void {
  if (runtime.stopping?.aborted) throw runtime.stopping.reason;
}

/** The one lookup of an environment by name; "no such environment" is said here only. */
export function environmentIn(pipeline: Pipeline, name: string): Environment {
  const environment = pipeline.environments.find((e) => e.name === name);
  if (!environment) {
    const names = pipeline.environments.map((e) => e.name);
    const guess = closestName(name, names);
    throw new BatonError(
      ErrorCode.NotFound,
      `There is no environment ${quoteInput(name)}.${guess ? ` Did you mean ${guess}?` : ''} Environments: ${listNames(names)}.`,
    );
  }
  return environment;
}

export function environmentNamed(runtime: CoreRuntime, name: string): Environment {
  return environmentIn(runtime.pipeline, name);
}

export function componentNamed(runtime: CoreRuntime, name: string) {
  const component = runtime.pipeline.components.find((c) => c.name === name);
  if (!component) throw new Error(`Component "${name}" is not in the pipeline.`);
  return component;
}

export function nowIso(runtime: CoreRuntime): string {
  return runtime.clock.now().toISOString();
}
