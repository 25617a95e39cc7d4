/**
 * Resolves a component's settings for one step: placeholders filled from the
 * promotion, secrets and the outputs of the steps it needs, then validated by
 * the adapter's schema.
 */
import type { AdapterLookup, Outputs, TargetAdapter } from './adapter-contract.ts';
import { BatonError, ErrorCode } from '../errors.ts';
import { TerminalStepError } from './step-errors.ts';
import type { Component, Ledger, Promotion, Step } from './model.ts';
import { decryptedOutputs } from './outputs-at-rest.ts';
import type { OutputCipher, SecretSource } from './capabilities.ts';
import type { Redactor } from './redaction.ts';
import { collectPlaceholders, resolveTemplates, type Placeholder } from './templates.ts';

export interface ResolvedStep {
  adapter: TargetAdapter;
  config: unknown;
  inputs: Record<string, Outputs>;
}

export interface ResolveOptions {
  adapters: AdapterLookup;
  secrets: SecretSource;
  cipher: OutputCipher;
  redactor: Redactor;
  /** What the promotion's environment runs now. */
  ledger: Ledger;
  /**
   * While planning, outputs of steps that have not run yet are unknown; they
   * are shown as a marker instead of failing.
   */
  pendingOutputs: 'mark' | 'fail';
}

/**
 * Outputs of the components `component` needs: from this promotion or, for
 * ones outside it, from what the environment runs; sensitive ones decrypted,
 * since this step needs their values.
 */
function gatherInputs(
  component: Component,
  promotion: Promotion,
  running: Ledger,
  cipher: OutputCipher,
): Record<string, Outputs> {
  const inputs: Record<string, Outputs> = {};
  for (const need of component.needs) {
    const step = promotion.steps.find((s) => s.component === need);
    const published = step ? (step.status === 'succeeded' ? step : undefined) : running[need];
    inputs[need] = published ? decryptedOutputs(cipher, need, published) : {};
  }
  return inputs;
}

export function resolveStep(
  component: Component,
  promotion: Promotion,
  step: Step,
  options: ResolveOptions,
): ResolvedStep {
  const adapter = options.adapters.get(component.adapter);
  if (!adapter) {
    throw new TerminalStepError(
      `No adapter of kind "${component.adapter}" is installed; known kinds: ${options.adapters.kinds().join(', ')}.`,
    );
  }
  const inputs = gatherInputs(component, promotion, options.ledger, options.cipher);
  const inPromotion = new Set(promotion.steps.filter((s) => s.status !== 'succeeded').map((s) => s.component));
  const missingSecrets = collectPlaceholders(component.with)
    .filter((p): p is Extract<Placeholder, { kind: 'secret' }> => p.kind === 'secret')
    .filter((p) => options.secrets.get(p.name) === undefined)
    .map((p) => p.name);
  if (missingSecrets.length > 0) {
    throw new BatonError(
      ErrorCode.SecretMissing,
      `${component.name} needs the secret${missingSecrets.length > 1 ? 's' : ''} ${[...new Set(missingSecrets)].join(', ')}, which ${missingSecrets.length > 1 ? 'are' : 'is'} not set: set the environment variable${missingSecrets.length > 1 ? 's' : ''} for Baton and restart it.`,
    );
  }
  const resolved = resolveTemplates(component.with, (placeholder) => {
    switch (placeholder.kind) {
      case 'variable':
        return {
          env: promotion.environment,
          version: step.version,
          component: component.name,
          promotion: promotion.id,
          release: promotion.release.name,
          previousVersion: step.previousVersion ?? '',
        }[placeholder.name];
      case 'secret': {
        const value = options.secrets.get(placeholder.name) ?? '';
        options.redactor.add(value);
        return value;
      }
      case 'output': {
        const value = inputs[placeholder.component]?.[placeholder.output];
        if (value !== undefined) return value;
        if (options.pendingOutputs === 'mark' && inPromotion.has(placeholder.component)) {
          return `<${placeholder.component}.outputs.${placeholder.output}>`;
        }
        throw new TerminalStepError(
          `${component.name} uses ${placeholder.text}, but ${placeholder.component} has not published "${placeholder.output}" in ${promotion.environment}. Promote ${placeholder.component} together with ${component.name}.`,
        );
      }
    }
  });
  const parsed = adapter.config.safeParse(resolved);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`);
    throw new TerminalStepError(
      options.redactor.redact(`${component.name}'s settings are not valid once resolved: ${problems.join('; ')}.`),
    );
  }
  return { adapter, config: parsed.data, inputs };
}
