/**
 * Named releases written as files in the pipeline's `releases/` folder
 * (`<name>.yaml`); those registered through the API are kept in the store.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Release } from '../core/model.ts';
import { BatonError, ErrorCode } from '../errors.ts';

const RELEASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export function isReleaseName(text: string): boolean {
  return RELEASE_NAME.test(text) && !text.includes('..');
}

function releaseFromFile(name: string, path: string, text: string): Release {
  // The failsafe schema keeps every scalar a string: 1.10 stays "1.10", not 1.1.
  const value: unknown = parse(text, { schema: 'failsafe' });
  const body =
    value !== null && typeof value === 'object' && 'versions' in value
      ? (value as { versions: unknown }).versions
      : value;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BatonError(
      ErrorCode.ReleaseInvalid,
      `${path}: expected a mapping of component to version, e.g. "api: 1.4.2", under "versions:".`,
    );
  }
  const versions: Record<string, string> = {};
  for (const [component, version] of Object.entries(body as Record<string, unknown>)) {
    if (typeof version !== 'string') {
      throw new BatonError(
        ErrorCode.ReleaseInvalid,
        `${path}: the version of ${component} must be a single value, e.g. "${component}: 1.4.2".`,
      );
    }
    versions[component] = version;
  }
  return { name, versions };
}

/** Reads the release file `<name>.yaml` (or `.yml`) of the releases folder; undefined when there is none. */
export async function readReleaseFile(name: string, releasesDir: string): Promise<Release | undefined> {
  if (!isReleaseName(name)) return undefined;
  for (const extension of ['.yaml', '.yml']) {
    const path = join(releasesDir, `${name}${extension}`);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text !== undefined) return releaseFromFile(name, path, text);
  }
  return undefined;
}

/** The names of the release files in the folder, sorted; none when there is no folder. */
export async function releaseFileNames(releasesDir: string): Promise<string[]> {
  const files = await readdir(releasesDir).catch(() => []);
  return files
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => file.replace(/\.ya?ml$/, ''))
    .filter(isReleaseName)
    .sort();
}
