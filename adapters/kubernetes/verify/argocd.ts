/**
 * Judges an Argo CD `Application` (argoproj.io/v1alpha1) against the commit
 * Baton pushed: done when it has synced that commit (or a later one) and is
 * Synced and Healthy; failed when, at that commit, it is Degraded or its sync failed.
 */
import type { Verdict } from '../cluster/watch-until.ts';
import type { RevisionCheck } from './revision.ts';

export const ARGOCD_APPLICATION = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' } as const;

interface ArgoResource {
  kind?: string;
  name?: string;
  health?: { status?: string; message?: string };
}

export interface ArgoApplication {
  metadata?: { name?: string; resourceVersion?: string };
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    operationState?: { phase?: string; message?: string; syncResult?: { revision?: string } };
    conditions?: { type?: string; message?: string }[];
    resources?: ArgoResource[];
  };
}

function short(revision: string): string {
  return revision.slice(0, 7);
}

/** Argo CD puts the why of a Degraded app on the resources, sometimes on the app, sometimes on the last operation. */
function degradedReason(app: ArgoApplication): string {
  const status = app.status ?? {};
  const resources = (status.resources ?? [])
    .filter((resource) => resource.health?.status === 'Degraded')
    .map(
      (resource) =>
        `${resource.kind ?? 'resource'}/${resource.name ?? '?'}${resource.health?.message ? `: ${resource.health.message}` : ''}`,
    );
  const reasons = [
    status.health?.message,
    ...resources,
    ...(status.conditions ?? []).map((condition) =>
      condition.message ? `${condition.type ?? 'condition'}: ${condition.message}` : undefined,
    ),
  ].filter((reason): reason is string => typeof reason === 'string' && reason.trim() !== '');
  return reasons.length > 0 ? reasons.join('; ') : 'Argo CD gave no message';
}

const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The synced commit that has reached Baton's, if any. A multi-source
 * Application lists one revision per source (chart versions among them); only
 * commits can be the config repository's.
 */
async function reachedRevision(
  status: NonNullable<ArgoApplication['status']>,
  reached: RevisionCheck,
): Promise<string | null> {
  const candidates = [status.sync?.revision, ...(status.sync?.revisions ?? [])].filter(
    (revision): revision is string => typeof revision === 'string' && COMMIT.test(revision),
  );
  for (const revision of candidates) if (await reached(revision)) return revision;
  return null;
}

export async function judgeArgoApplication(
  app: ArgoApplication,
  name: string,
  commit: string,
  reached: RevisionCheck,
): Promise<Verdict> {
  const status = app.status ?? {};
  const shown = [status.sync?.revision, ...(status.sync?.revisions ?? [])]
    .filter((revision): revision is string => typeof revision === 'string' && revision !== '')
    .map(short)
    .join(', ');
  const sync = status.sync?.status ?? 'Unknown';
  const health = status.health?.status ?? 'Unknown';
  const where = `Argo CD application ${name}: ${sync}, ${health}`;
  const revision = await reachedRevision(status, reached);
  if (revision === null) {
    const at = shown === '' ? 'no revision yet' : `at ${shown}`;
    return { state: 'waiting', message: `${where}, ${at}; waiting for it to sync ${short(commit)}` };
  }
  if (health === 'Degraded') {
    return { state: 'failed', message: `${where} at ${short(revision)}: ${degradedReason(app)}` };
  }
  const operation = status.operationState;
  const operationRevision = operation?.syncResult?.revision;
  if (
    (operation?.phase === 'Failed' || operation?.phase === 'Error') &&
    operationRevision &&
    (await reached(operationRevision))
  ) {
    return {
      state: 'failed',
      message: `${where}: the sync of ${short(operationRevision)} failed: ${operation.message ?? 'no message'}`,
    };
  }
  if (sync === 'Synced' && health === 'Healthy') {
    return { state: 'done', message: `${where} at ${short(revision)}` };
  }
  return { state: 'waiting', message: `${where} at ${short(revision)}` };
}
