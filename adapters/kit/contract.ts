/**
 * The adapter contract as adapters take it. The core defines it, since the
 * core calls it and imports nothing from adapters/; an adapter imports the kit,
 * never the core.
 */
export type {
  AdapterContext,
  AdapterLookup,
  Health,
  Observed,
  Outputs,
  ProgramSupervisor,
  StepPreview,
  StepResult,
  TargetAdapter,
} from '../../src/core/adapter-contract.ts';
