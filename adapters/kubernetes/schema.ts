/**
 * The `with:` block of a `kubernetes` component: `mode` picks gitops (change
 * the environment's config in Git, let Argo CD or Flux deploy it) or direct
 * (patch the workload's image in the cluster).
 */
import { z } from 'zod';
import { directSettingsSchema } from './direct/schema.ts';
import { gitopsSettingsSchema } from './gitops/schema.ts';

export const kubernetesSettingsSchema = z.discriminatedUnion('mode', [gitopsSettingsSchema, directSettingsSchema], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') {
      return 'a kubernetes component needs a `with:` mapping with at least `mode`, e.g. { mode: gitops, repo: …, edit: … }';
    }
    const mode: unknown = (issue.input as { mode?: unknown } | undefined)?.mode;
    const modes = 'gitops (commit the version to the config repository) or direct (patch the image in the cluster)';
    return mode === undefined
      ? `\`mode\` is required: ${modes}`
      : `${JSON.stringify(mode)} is not a mode: use ${modes}`;
  },
});

export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;
