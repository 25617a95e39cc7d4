/** What `<release>` in `/promote <release> to <env>` and `baton plan` refers to, and the release it names. */
import { dirname, isAbsolute, relative } from 'node:path';
import { BatonError, ErrorCode, quoteInput } from '../errors.ts';
import { isReleaseName, readReleaseFile, releaseFileNames } from '../config-loader/releases.ts';
import { closestName, listNames } from '../config-loader/suggest.ts';
import type { Pipeline, Release } from './model.ts';
import { parseInlineRelease } from './release.ts';
import type { CoreRuntime } from './runtime.ts';

export type ReleaseReference =
  | { kind: 'inline'; words: string[] }
  /** A release name or an environment name: the resolver tells which. */
  | { kind: 'name'; name: string };

export function releaseReferenceFrom(words: readonly string[]): ReleaseReference {
  const [first] = words;
  return words.length === 1 && first !== undefined && !first.includes('=')
    ? { kind: 'name', name: first }
    : { kind: 'inline', words: [...words] };
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
      releases.length > 0
        ? `Releases: ${listNames(releases)}.`
        : `No release files in ${releasesFolder(pipeline)} yet.`,
      `Environments: ${listNames(environments)}.`,
      `Or give versions inline (e.g. api=1.4.2), add a <name>.yaml to ${releasesFolder(pipeline)}, or register one with POST /api/releases.`,
    ].join(' '),
  );
}

/**
 * Inline versions, what an environment runs, or a named release (registered
 * through the API, else a release file) — in that order.
 */
export async function resolveReleaseReference(
  runtime: Pick<CoreRuntime, 'pipeline' | 'store'>,
  reference: ReleaseReference,
  runningIn: (environment: string) => Promise<Release>,
): Promise<{ release: Release; fromEnvironment?: string }> {
  if (reference.kind === 'inline') return { release: parseInlineRelease(reference.words) };
  const { name } = reference;
  const { pipeline, store } = runtime;
  if (pipeline.environments.some((e) => e.name === name))
    return { release: await runningIn(name), fromEnvironment: name };
  const named = isReleaseName(name)
    ? ((await store.getRelease(name)) ?? (await readReleaseFile(name, pipeline.releasesDir)))
    : undefined;
  if (named) return { release: named };
  throw await unknownRelease(name, pipeline);
}
