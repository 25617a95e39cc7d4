/**
 * The contract between Baton's core and the code that knows one kind of
 * target system. An adapter knows nothing of chat; the core knows nothing of
 * any one adapter. It lives in the core because the core calls it and imports
 * nothing from the adapters; they take it through the kit.
 */
import type { ZodType } from 'zod';

/** Values a step publishes for the steps that need it, by name. */
export type Outputs = Record<string, string>;

/** What an adapter sees on the target right now. */
export interface Observed {
  version: string | null;
  /** Adapter-specific detail (image digest, commit, function version…). */
  detail?: Record<string, string>;
}

/** What a step would change, as the plan shows it before anything runs. */
export interface StepPreview {
  /** One line a person reads in the plan. */
  summary: string;
  /** Detailed lines (diff, resources), shown folded. */
  details: string[];
  reversible: boolean;
  /** False when the target already runs this version: the step will change nothing. */
  changes: boolean;
}

export interface StepLogger {
  /** One line for the step log; secrets are redacted before it is kept. */
  (line: string): void;
}

/** Keeps track of the programs a step starts, so that none outlives a crash of the process that started it unseen. */
export interface ProgramSupervisor {
  /** Notes a program started for a step (its pid leads its own process group); call the returned function when it has exited. */
  started(stepId: string, pid: number): () => void;
  /**
   * Variables to give every program of the step, on top of its own: they let
   * a restarted worker find a program whose start the crashed one did not
   * get to note.
   */
  environmentFor(stepId: string): Record<string, string>;
}

export interface AdapterContext<C> {
  /** Unique per step; the same on every attempt, so `apply` can tell it already ran. */
  stepId: string;
  promotionId: string;
  /** Who asked for the promotion, as the chat platform names them. */
  requestedBy: string;
  /** The release being promoted, as people read it: `api=1.4.2 worker=1.4.2`. */
  release: string;
  environment: string;
  component: string;
  version: string;
  /** What the environment ran before, per Baton's ledger. */
  previousVersion: string | null;
  /** The component's settings with every placeholder resolved. */
  config: C;
  /** Outputs of the steps this one `needs`, by component. */
  inputs: Record<string, Outputs>;
  log: StepLogger;
  signal: AbortSignal;
  /** A folder the adapter may keep working copies and caches in. */
  workDir: string;
  /** The folder of the config file: relative paths in settings start here. */
  configDir: string;
  /** Replaces every secret value in `text` with `***`. */
  redact(text: string): string;
  /** Where every local program the adapter starts is registered, so a restarted worker can stop the leftovers. */
  programs: ProgramSupervisor;
}

export interface StepResult {
  outputs: Outputs;
  summary: string;
  /**
   * Names of outputs whose values are secret. Dependents still receive them;
   * Baton stores them encrypted, and everywhere people read (logs, chat,
   * audit, evidence) shows `***` instead.
   */
  sensitiveOutputs?: string[];
}

export interface Health {
  healthy: boolean;
  message: string;
}

export interface StepDefaults {
  timeoutMs: number;
  /** How many times a retryable failure is tried again. */
  retries: number;
}

export interface TargetAdapter<C = unknown> {
  kind: string;
  /** One sentence for `baton help` and the docs. */
  description: string;
  /** Validates the component's `with:` block at load time. */
  config: ZodType<C>;
  step: StepDefaults;
  /** What runs on the target now (for diff, drift and rollback). */
  current(ctx: AdapterContext<C>): Promise<Observed>;
  /** A preview of the change, without changing anything. */
  plan(ctx: AdapterContext<C>): Promise<StepPreview>;
  /** Makes the change; must be safe to call again with the same step id. */
  apply(ctx: AdapterContext<C>): Promise<StepResult>;
  /** A gate after apply: rollout done, sync healthy, smoke test passed. */
  verify?(ctx: AdapterContext<C>): Promise<Health>;
  /** Puts back what ran before; absent when the change cannot be undone. */
  rollback?(ctx: AdapterContext<C>, before: Observed): Promise<StepResult>;
}

/** Looks up an adapter by kind; the adapter registry's `createAdapterLookup` implements it. */
export interface AdapterLookup {
  get(kind: string): TargetAdapter | undefined;
  kinds(): string[];
}
