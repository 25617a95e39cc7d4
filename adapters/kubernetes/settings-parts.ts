/**
 * Pieces of the `with:` block that both modes use: durations, cluster
 * access, and paths that must stay inside a repository.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { DURATION_FORM, isPositiveDuration } from '../kit/durations.ts';
import { nonEmptyText } from '../kit/settings.ts';

export function durationSetting(setting: string, fallback: string) {
  return z
    .string({ error: `\`${setting}\` must be a duration such as 10m (quote it in YAML)` })
    .refine(isPositiveDuration, { message: `\`${setting}\` must be ${DURATION_FORM}, and more than zero` })
    .default(fallback);
}

/** Kubernetes names and paths never mean anything by surrounding blanks, so they are trimmed. */
export function nonEmpty(setting: string, example: string) {
  return nonEmptyText(setting, example, { trim: true });
}

/** A file or folder inside the repository: relative, and never climbing out of it with `..`. */
export function pathInRepository(setting: string, example: string) {
  return nonEmpty(setting, example).refine(
    (text) => !posix.isAbsolute(text) && !posix.normalize(text).split('/').includes('..'),
    {
      message: `\`${setting}\` must be a path inside the repository, relative to its root, without "..", e.g. ${example}`,
    },
  );
}

/** Where the cluster is: a kubeconfig file (and optionally one of its contexts), or, with neither, the pod's service account. */
export const clusterShape = {
  kubeconfig: nonEmpty('kubeconfig', 'clusters/production.kubeconfig').optional(),
  context: nonEmpty('context', 'eu-west-1').optional(),
};

export interface ClusterAccess {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

export function checkContextHasKubeconfig(
  access: ClusterAccess,
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  if (access.context !== undefined && access.kubeconfig === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'kubeconfig'],
      message: '`context` names a context of a kubeconfig file: set `kubeconfig` to that file too',
    });
  }
}
