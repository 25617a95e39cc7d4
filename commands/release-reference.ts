/** What `<release>` in `/promote <release> to <env>` (and `baton plan`) refers to. */
import type { Pipeline, Release } from '../src/core/model.ts';
import type { PromotionIntents } from '../src/core/intents.ts';
import { parseInlineRelease } from '../src/core/release.ts';
import type { Store } from '../src/engine/contracts.ts';
import { BatonError, ErrorCode } from '../src/errors.ts';
import { findNamedRelease } from '../src/pipeline/releases.ts';
import type { ReleaseReference } from './command.ts';

export function releaseReferenceFrom(words: readonly string[]): ReleaseReference {
  const [first] = words;
  return words.length === 1 && first !== undefined && !first.includes('=') ? { kind: 'name', name: first } : { kind: 'inline', words: [...words] };
}

/** Inline versions, what an environment runs, or a named release — in that order. */
export async function resolveReleaseReference(
  reference: ReleaseReference,
  deps: { pipeline: Pipeline; store: Store; promotions: PromotionIntents },
): Promise<{ release: Release; fromEnvironment?: string }> {
  if (reference.kind === 'inline') return { release: parseInlineRelease(reference.words) };
  const { name } = reference;
  if (deps.pipeline.environments.some((e) => e.name === name)) {
    return { release: await deps.promotions.releaseRunningIn(name), fromEnvironment: name };
  }
  const named = await findNamedRelease(name, deps.pipeline.releasesDir, deps.store);
  if (named) return { release: named };
  throw new BatonError(
    ErrorCode.NotFound,
    `There is no release or environment named "${name}". Give versions inline (e.g. api=1.4.2), add ${deps.pipeline.releasesDir}/${name}.yaml, or register it with POST /api/releases. Environments: ${deps.pipeline.environments.map((e) => e.name).join(', ')}.`,
  );
}
