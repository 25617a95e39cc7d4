/**
 * The dashboard shows versions, names and what targets say: anything a
 * secret could hide in. Its redactor knows every secret the pipeline's
 * components refer to and every sensitive output the environments hold.
 */
import { valueToMask } from '../outputs-at-rest.ts';
import { Redactor, sensitiveValues } from '../redaction.ts';
import type { CoreRuntime } from '../runtime.ts';
import { collectPlaceholders } from '../templates.ts';

export async function dashboardRedactor(runtime: CoreRuntime): Promise<Redactor> {
  const redactor = new Redactor();
  for (const component of runtime.pipeline.components) {
    for (const placeholder of collectPlaceholders(component.with)) {
      const value = placeholder.kind === 'secret' ? runtime.secrets.get(placeholder.name) : undefined;
      if (value !== undefined) redactor.add(value);
    }
  }
  const ledgers = await Promise.all(runtime.pipeline.environments.map((e) => runtime.store.getLedger(e.name)));
  for (const entry of ledgers.flatMap((ledger) => Object.values(ledger))) {
    for (const value of sensitiveValues(entry))
      for (const shown of valueToMask(runtime.cipher, value)) redactor.add(shown);
  }
  return redactor;
}

/** Every string in a JSON value redacted, keys included (a component's name is config, but a version is not). */
export function redactAll<T>(value: T, redactor: Redactor): T {
  if (typeof value === 'string') return redactor.redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactAll(item, redactor)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redactor.redact(key), redactAll(item, redactor)]),
    ) as T;
  }
  return value;
}
