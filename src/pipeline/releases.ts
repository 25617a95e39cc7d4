/**
 * Named releases: registered through the API (kept in the store) or written
 * as files in the pipeline's `releases/` folder (`<name>.yaml`).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Release } from '../core/model.ts';
import type { Store } from '../engine/contracts.ts';
import { BatonError, ErrorCode } from '../errors.ts';

const RELEASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

export function isReleaseName(text: string): boolean {
  return RELEASE_NAME.test(text) && !text.includes('..');
}

function releaseFromFile(name: string, path: string, text: string): Release {
  // The failsafe schema keeps every scalar a string: 1.10 stays "1.10", not 1.1.
  const value: unknown = parse(text, { schema: 'failsafe' });
  const body = value !== null && typeof value === 'object' && 'versions' in value ? (value as { versions: unknown }).versions : value;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BatonError(ErrorCode.ReleaseInvalid, `${path}: expected a mapping of component to version, e.g. "api: 1.4.2", under "versions:".`);
  }
  const versions: Record<string, string> = {};
  for (const [component, version] of Object.entries(body as Record<string, unknown>)) {
    if (typeof version !== 'string') {
      throw new BatonError(ErrorCode.ReleaseInvalid, `${path}: the version of ${component} must be a single value, e.g. "${component}: 1.4.2".`);
    }
    versions[component] = version;
  }
  return { name, versions };
}

/** Finds a named release in the store, then in the releases folder. */
export async function findNamedRelease(name: string, releasesDir: string, store: Store): Promise<Release | undefined> {
  if (!isReleaseName(name)) return undefined;
  const registered = await store.getRelease(name);
  if (registered) return registered;
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
