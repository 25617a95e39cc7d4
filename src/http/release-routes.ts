/**
 * `POST /api/releases`: CI registers a named release (its component
 * versions) so that people can promote it by name. Guarded by the access
 * check it is given (an API token with releases:write), before the body is read.
 */
import type { Pipeline, Release } from '../core/model.ts';
import { checkRelease } from '../core/release.ts';
import type { Store } from '../engine/contract.ts';
import { BatonError } from '../errors.ts';
import { isReleaseName } from '../config-loader/releases.ts';
import type { AccessCheck, HttpServer, JsonResult } from './server.ts';

function readRelease(body: unknown): Release | string {
  if (body === null || typeof body !== 'object')
    return 'Send a JSON object: {"name": "2026.11.3", "versions": {"api": "1.4.2"}}.';
  const { name, versions } = body as { name?: unknown; versions?: unknown };
  if (typeof name !== 'string' || !isReleaseName(name)) {
    return '"name" must be a release name: letters, digits and . _ + - (at most 128), e.g. "2026.11.3".';
  }
  if (versions === null || typeof versions !== 'object' || Array.isArray(versions)) {
    return '"versions" must be an object of component to version, e.g. {"api": "1.4.2"}.';
  }
  const entries = Object.entries(versions as Record<string, unknown>);
  const notText = entries.find(([, version]) => typeof version !== 'string');
  if (notText) return `The version of "${notText[0]}" must be a string, e.g. "1.4.2".`;
  return { name, versions: Object.fromEntries(entries) as Record<string, string> };
}

export function registerReleaseRoutes(
  server: Pick<HttpServer, 'route'>,
  store: Store,
  pipeline: Pipeline,
  access: AccessCheck,
): void {
  server.route(
    'POST',
    '/api/releases',
    async ({ body }): Promise<JsonResult> => {
      const release = readRelease(body);
      if (typeof release === 'string') return { status: 400, json: { error: release } };
      try {
        checkRelease(release, pipeline);
      } catch (error) {
        if (error instanceof BatonError) return { status: 422, json: { error: error.message } };
        throw error;
      }
      const existing = await store.getRelease(release.name);
      if (existing && JSON.stringify(existing.versions) !== JSON.stringify(release.versions)) {
        return {
          status: 409,
          json: {
            error: `Release "${release.name}" is already registered with other versions; releases do not change: give this one a new name.`,
          },
        };
      }
      await store.saveRelease(release);
      return { status: existing ? 200 : 201, json: { release } };
    },
    { access },
  );
}
