/** What `<release>` in `/promote <release> to <env>` (and `baton plan`) refers to. */
import { dirname, isAbsolute, relative } from 'node:path';
import type { Pipeline, Release } from '../src/core/model.ts';
import type { PromotionIntents } from '../src/core/intents.ts';
import { parseInlineRelease } from '../src/core/release.ts';
import type { Store } from '../src/engine/contracts.ts';
import { BatonError, ErrorCode, quoteInput } from '../src/errors.ts';
import { findNamedRelease, releaseFileNames } from '../src/pipeline/releases.ts';
import { closestName, listNames } from '../src/pipeline/suggest.ts';
import type { ReleaseReference } from './command.ts';

export function releaseReferenceFrom(words: readonly string[]): ReleaseReference {
  const [first] = words;
  return words.length === 1 && first !== undefined && !first.includes('=') ? { kind: 'name', name: first } : { kind: 'inline', words: [...words] };
}

/** The releases folder as the config names it: a reply never shows where the server keeps its files. */
function releasesFolder(pipeline: Pipeline): string {
  const folder = relative(dirname(pipeline.source), pipeline.releasesDir);
  return folder === '' || folder.startsWith('..') || isAbsolute(folder) ? 'the releases folder' : `${folder}/`;
}

async function unknownRelease(name: string, pipeline: Pipeline): Promise<BatonError> {
  const environments = pipeline.environments.map((e) => e.name);
  const releases = await releaseFileNames(pipeline.releasesDir);
  const guess = closestName(name, [...releases, ...environments]);
  return new BatonError(
    ErrorCode.NotFound,
    [
      `There is no release or environment named ${quoteInput(name)}.${guess ? ` Did you mean ${guess}?` : ''}`,
      releases.length > 0 ? `Releases: ${listNames(releases)}.` : `No release files in ${releasesFolder(pipeline)} yet.`,
      `Environments: ${listNames(environments)}.`,
      `Or give versions inline (e.g. api=1.4.2), add a <name>.yaml to ${releasesFolder(pipeline)}, or register one with POST /api/releases.`,
    ].join(' '),
  );
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
  throw await unknownRelease(name, deps.pipeline);
}
