/**
 * Sensitive outputs at rest: encrypted before a step's result is recorded,
 * decrypted only for the steps that take them as inputs (and, in memory, to
 * mask them in what those steps log).
 */
import { errorMessage } from '../errors.ts';
import { TerminalStepError } from './step-errors.ts';
import type { Outputs } from './adapter-contract.ts';
import type { OutputCipher } from './capabilities.ts';
import type { PublishedOutputs } from './redaction.ts';

/** How an encrypted value starts; what follows is `<base64url iv|tag|ciphertext>`. */
export const ENCRYPTED_PREFIX = 'enc:v1:';

export function isEncrypted(value: string): boolean {
  return /^enc:v\d+:/.test(value);
}

/** The outputs as the store keeps them: each sensitive value encrypted. */
export function encryptSensitiveOutputs(cipher: OutputCipher, published: PublishedOutputs): PublishedOutputs {
  const sensitive = published.sensitiveOutputs ?? [];
  if (sensitive.length === 0) return published;
  const outputs = Object.fromEntries(
    Object.entries(published.outputs).map(([name, value]) => [
      name,
      sensitive.includes(name) ? cipher.encrypt(value) : value,
    ]),
  );
  return { outputs, sensitiveOutputs: sensitive };
}

/** Outputs recorded in plain text before encryption at rest, encrypted now; undefined when none was. */
export function encryptPlainSensitiveOutputs(
  cipher: OutputCipher,
  published: PublishedOutputs,
): PublishedOutputs | undefined {
  const plain = (published.sensitiveOutputs ?? []).filter(
    (name) => name in published.outputs && !isEncrypted(published.outputs[name] ?? ''),
  );
  if (plain.length === 0) return undefined;
  const outputs = Object.fromEntries(
    Object.entries(published.outputs).map(([name, value]) => [
      name,
      plain.includes(name) ? cipher.encrypt(value) : value,
    ]),
  );
  return { ...published, outputs };
}

function decryptOutput(cipher: OutputCipher, component: string, name: string, value: string): string {
  // Recorded before outputs were encrypted: it stays as it is until the component is promoted again.
  if (!isEncrypted(value)) return value;
  try {
    return cipher.decrypt(value);
  } catch (error) {
    throw new TerminalStepError(
      `cannot decrypt output ${name} of ${component}: ${errorMessage(error)}; or promote ${component} again so that it publishes ${name} anew.`,
      { cause: error },
    );
  }
}

/** A component's outputs as a step that needs it receives them: the sensitive ones decrypted. */
export function decryptedOutputs(
  cipher: OutputCipher,
  component: string,
  { outputs, sensitiveOutputs = [] }: PublishedOutputs,
): Outputs {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => [
      name,
      sensitiveOutputs.includes(name) ? decryptOutput(cipher, component, name, value) : value,
    ]),
  );
}

/**
 * A sensitive value as a redactor needs it, decrypted in memory. One that
 * cannot be decrypted gives nothing to mask: no step can receive it either.
 */
export function valueToMask(cipher: OutputCipher, value: string): string[] {
  if (!isEncrypted(value)) return [value];
  try {
    return [cipher.decrypt(value)];
  } catch {
    return [];
  }
}
