/** What the alias runs now: the version it points at and the release that version holds. */
import type { AliasConfiguration, FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { Observed } from '../kit/contract.ts';
import { additionalWeights, readAlias, readLatest, readVersion } from './function-reads.ts';
import { parseReleaseDescription, type ReleaseDescription } from './release-description.ts';
import type { LambdaSession } from './session.ts';

export interface AliasView {
  alias: AliasConfiguration;
  /** The version that gets the traffic the routing config does not send elsewhere. */
  functionVersion: string;
  running: FunctionConfiguration;
  /** Null when Baton did not publish the version. */
  release: ReleaseDescription | null;
}

/** Null when the alias does not exist yet; an error when the function does not. */
export async function observeAlias(session: LambdaSession): Promise<AliasView | null> {
  const alias = await readAlias(session);
  if (alias === null) {
    await readLatest(session);
    return null;
  }
  const functionVersion = alias.FunctionVersion ?? '$LATEST';
  const running = await readVersion(session, functionVersion);
  return { alias, functionVersion, running, release: parseReleaseDescription(running.Description) };
}

/** True when the alias runs `version` on all of its traffic. */
export function runsFully(view: AliasView, version: string): boolean {
  return view.release?.version === version && additionalWeights(view.alias).length === 0;
}

export function observedFrom(view: AliasView | null): Observed {
  if (view === null) return { version: null };
  return {
    version: view.release?.version ?? null,
    detail: { functionVersion: view.functionVersion, codeSha256: view.running.CodeSha256 ?? '' },
  };
}

/** "version 7 (1.0.0)" or "version 7 (not published by Baton)". */
export function describeRunning(view: AliasView): string {
  const release = view.release === null ? 'not published by Baton' : view.release.version;
  const shares = additionalWeights(view.alias)
    .map(([version, weight]) => `, ${Math.round(weight * 100)}% to version ${version}`)
    .join('');
  return `version ${view.functionVersion} (${release})${shares}`;
}
