/**
 * What a remote command learns about the step: `BATON_*` environment
 * variables, and the same values as `{{BATON_…}}` tokens inside arguments.
 * The tokens exist because environment variables do not survive everything
 * between sshd and a deploy script: `sudo` resets the environment by default.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { stepEnvironment } from '../kit/step-environment.ts';
import type { HostAddress } from './host-address.ts';

export const STEP_VARIABLE_NAMES = [
  'BATON_HOST',
  'BATON_ENVIRONMENT',
  'BATON_COMPONENT',
  'BATON_VERSION',
  'BATON_PREVIOUS_VERSION',
  'BATON_STEP_ID',
  'BATON_PROMOTION_ID',
  'BATON_ROLLBACK_TO',
] as const;

export type StepVariableName = (typeof STEP_VARIABLE_NAMES)[number];

/** Only `rollbackCommand` knows what to roll back to. */
export const ROLLBACK_ONLY_VARIABLE: StepVariableName = 'BATON_ROLLBACK_TO';

const TOKEN = /\{\{(BATON_[A-Za-z0-9_]*)\}\}/g;

export function stepVariables(
  ctx: AdapterContext<unknown>,
  host: HostAddress,
  rollbackTo?: string,
): Partial<Record<StepVariableName, string>> {
  return {
    BATON_HOST: host.entry,
    ...stepEnvironment(ctx),
    ...(rollbackTo === undefined ? {} : { BATON_ROLLBACK_TO: rollbackTo }),
  };
}

/** The `{{BATON_…}}` tokens in `argument` that are not in `allowed`. */
export function unknownTokens(argument: string, allowed: readonly string[]): string[] {
  return [...argument.matchAll(TOKEN)].map((match) => match[1] ?? '').filter((name) => !allowed.includes(name));
}

/** Replaces every `{{BATON_…}}` token with its value; validation made sure each has one. */
export function fillTokens(argv: readonly string[], variables: Partial<Record<StepVariableName, string>>): string[] {
  return argv.map((argument) =>
    argument.replace(TOKEN, (whole: string, name: string) => variables[name as StepVariableName] ?? whole),
  );
}
