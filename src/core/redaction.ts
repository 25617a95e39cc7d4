/**
 * Keeps secret values out of logs, chat and the audit log: secrets from the
 * settings, and the values of outputs a step declared sensitive.
 */
import type { Ledger } from './model.ts';
import type { Outputs } from './adapter-contract.ts';
import { isEncrypted } from './outputs-at-rest.ts';

export const MASK = '***';
// Very short values would mask ordinary words; they are not plausible secrets.
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string): void {
    if (value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      result = result.split(secret).join(MASK);
    }
    return result;
  }
}

/** Outputs together with the names of those that are secret, as steps and ledger entries keep them. */
export interface PublishedOutputs {
  outputs: Outputs;
  sensitiveOutputs?: string[];
}

/** The outputs as people may see them: every sensitive value replaced by the mask, whatever its length, and no encrypted one shown either. */
export function maskSensitiveOutputs({ outputs, sensitiveOutputs = [] }: PublishedOutputs): Outputs {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => [
      name,
      sensitiveOutputs.includes(name) || isEncrypted(value) ? MASK : value,
    ]),
  );
}

export function sensitiveValues({ outputs, sensitiveOutputs = [] }: PublishedOutputs): string[] {
  return sensitiveOutputs.flatMap((name) => (outputs[name] === undefined ? [] : [outputs[name]]));
}

/**
 * Every sensitive value a step could come across: those the promotion's
 * steps published, and those of what the environment runs (which dependents
 * outside the promotion receive).
 */
export function sensitiveValuesInReach(published: readonly PublishedOutputs[], ledger: Ledger): string[] {
  return [...published, ...Object.values(ledger)].flatMap(sensitiveValues);
}
