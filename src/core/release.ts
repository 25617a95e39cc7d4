/**
 * Releases as people write them: inline (`api=1.4.2 worker=1.4.2`) or a named
 * file; checked against the pipeline's components.
 */
import { BatonError, ErrorCode, quoteInput } from '../errors.ts';
import { closestName, listNames } from '../config-loader/suggest.ts';
import type { Pipeline, Release } from './model.ts';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+\-/:@]{0,127}$/;

/** Beyond this many components a description names the first few: it heads messages and must stay readable. */
const DESCRIBED_COMPONENTS = 4;

export function describeRelease(release: Release): string {
  const entries = Object.entries(release.versions);
  const named = entries.length > DESCRIBED_COMPONENTS ? entries.slice(0, DESCRIBED_COMPONENTS - 1) : entries;
  const described = named.map(([component, version]) => `${component}=${version}`).join(' ');
  return named.length < entries.length ? `${described} and ${entries.length - named.length} more` : described;
}

/** " Did you mean api?" for the first unknown name that looks like a typo of a known one. */
function guessOf(unknown: readonly string[], known: readonly string[]): string {
  for (const name of unknown) {
    const guess = closestName(name, known);
    if (guess) return ` Did you mean ${guess}?`;
  }
  return '';
}

/** Rejects a release naming unknown components or malformed versions. */
export function checkRelease(release: Release, pipeline: Pipeline): Release {
  const known = new Set(pipeline.components.map((c) => c.name));
  const entries = Object.entries(release.versions);
  if (entries.length === 0) {
    throw new BatonError(
      ErrorCode.ReleaseInvalid,
      `Release ${quoteInput(release.name)} names no component versions: give at least one, e.g. api=1.4.2.`,
    );
  }
  const unknown = entries.filter(([component]) => !known.has(component)).map(([c]) => c);
  if (unknown.length > 0) {
    throw new BatonError(
      ErrorCode.ReleaseInvalid,
      `Release ${quoteInput(release.name)} names ${unknown.slice(0, 3).map(quoteInput).join(', ')}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''}, which the pipeline does not define.${guessOf(unknown, [...known])} Known components: ${listNames([...known])}.`,
    );
  }
  for (const [component, version] of entries) {
    if (!VERSION.test(version)) {
      throw new BatonError(
        ErrorCode.ReleaseInvalid,
        `Version ${quoteInput(version)} of ${component} is not valid: use letters, digits and . _ + - / : @ (at most 128, starting with a letter or digit).`,
      );
    }
  }
  return release;
}

/** Parses `api=1.4.2 worker=sha-9f1c` into a release named after its versions. */
export function parseInlineRelease(words: readonly string[]): Release {
  const versions: Record<string, string> = {};
  for (const word of words) {
    const separator = word.indexOf('=');
    if (separator <= 0 || separator === word.length - 1) {
      throw new BatonError(
        ErrorCode.ReleaseInvalid,
        `${quoteInput(word)} is not a component version: write component=version, e.g. api=1.4.2.`,
      );
    }
    const component = word.slice(0, separator);
    if (component in versions) {
      throw new BatonError(
        ErrorCode.ReleaseInvalid,
        `${quoteInput(component)} is given twice in the release: give each component once.`,
      );
    }
    versions[component] = word.slice(separator + 1);
  }
  return { name: words.join(' '), versions };
}
