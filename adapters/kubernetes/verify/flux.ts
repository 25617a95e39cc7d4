/**
 * Judges a Flux `Kustomization` (kustomize.toolkit.fluxcd.io/v1) against the
 * commit Baton pushed: done when it has applied that commit (or a later one)
 * and is Ready; failed when its attempt at that commit left it not Ready.
 * Flux reports "in progress" as Ready=Unknown and a failure as Ready=False.
 */
import type { Verdict } from '../cluster/watch-until.ts';
import type { RevisionCheck } from './revision.ts';

export const FLUX_KUSTOMIZATION = {
  group: 'kustomize.toolkit.fluxcd.io',
  version: 'v1',
  plural: 'kustomizations',
} as const;

export interface FluxKustomization {
  metadata?: { name?: string; resourceVersion?: string };
  status?: {
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

/** `main@sha1:3f1c…` (Flux 2.x), `main/3f1c…` (older Flux) or a bare hash: the commit is the hash at the end. */
export function fluxCommit(revision: string | undefined): string {
  return /([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision ?? '')?.[1] ?? '';
}

export async function judgeFluxKustomization(
  kustomization: FluxKustomization,
  name: string,
  commit: string,
  reached: RevisionCheck,
): Promise<Verdict> {
  const status = kustomization.status ?? {};
  const ready = status.conditions?.find((condition) => condition.type === 'Ready');
  const readiness = ready
    ? `Ready=${ready.status ?? 'Unknown'}${ready.reason ? ` (${ready.reason})` : ''}`
    : 'not reconciled yet';
  const where = `Flux Kustomization ${name}: ${readiness}`;
  const attempted = fluxCommit(status.lastAttemptedRevision);
  const applied = fluxCommit(status.lastAppliedRevision);
  if (ready?.status === 'False' && attempted !== '' && (await reached(attempted))) {
    return { state: 'failed', message: `${where} at ${attempted.slice(0, 7)}: ${ready.message ?? 'no message'}` };
  }
  if (applied !== '' && (await reached(applied))) {
    if (ready?.status === 'True') return { state: 'done', message: `${where}, applied ${applied.slice(0, 7)}` };
    return { state: 'waiting', message: `${where}, applied ${applied.slice(0, 7)}` };
  }
  const at = applied === '' ? 'nothing applied yet' : `applied ${applied.slice(0, 7)}`;
  return { state: 'waiting', message: `${where}, ${at}; waiting for it to apply ${commit.slice(0, 7)}` };
}
