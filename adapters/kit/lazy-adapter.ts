/**
 * An adapter whose code loads the first time a step uses it. A target's
 * client library (the AWS SDK, pg, ssh2) is megabytes of heap that a bot
 * whose pipeline has no component of that kind should not carry.
 */
import type { TargetAdapter } from './contract.ts';

/** What Baton needs of an adapter before any step runs: for `baton help`, and to check settings at load time. */
export type AdapterAbout<C> = Pick<TargetAdapter<C>, 'kind' | 'description' | 'config' | 'step'>;

type Operations<C> = Omit<TargetAdapter<C>, keyof AdapterAbout<C>>;

/** Loads a module that exports some of the adapter's operations under their own names: `current`, `plan`, `apply`… */
export type OperationsModule<C> = () => Promise<Partial<Operations<C>>>;

/** The module each operation is in; an operation left out is one the adapter does not have. */
export interface OperationModules<C> {
  current: OperationsModule<C>;
  plan: OperationsModule<C>;
  apply: OperationsModule<C>;
  verify?: OperationsModule<C>;
  rollback?: OperationsModule<C>;
}

export function lazyAdapter<C>(about: AdapterAbout<C>, modules: OperationModules<C>): TargetAdapter<C> {
  async function loaded<K extends keyof Operations<C>>(
    name: K,
    load: OperationsModule<C>,
  ): Promise<NonNullable<Operations<C>[K]>> {
    const operation = (await load())[name];
    if (operation === undefined)
      throw new Error(`the ${about.kind} adapter's module for \`${name}\` does not export it`);
    return operation;
  }
  const { verify, rollback } = modules;
  return {
    ...about,
    current: async (ctx) => (await loaded('current', modules.current))(ctx),
    plan: async (ctx) => (await loaded('plan', modules.plan))(ctx),
    apply: async (ctx) => (await loaded('apply', modules.apply))(ctx),
    ...(verify && { verify: async (ctx) => (await loaded('verify', verify))(ctx) }),
    ...(rollback && { rollback: async (ctx, before) => (await loaded('rollback', rollback))(ctx, before) }),
  };
}
