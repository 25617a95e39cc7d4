/**
 * The `with:` block of a `kubernetes` component in direct mode: which
 * workload and container get the new image, in which clusters.
 */
import { z } from 'zod';
import { checkContextHasKubeconfig, clusterShape, durationSetting, nonEmpty } from '../settings-parts.ts';

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

// RFC 1123 labels and subdomains, as Kubernetes names and namespaces require.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `ghcr.io/acme/api` or `localhost:5000/api`: a repository, without `:tag` or `@digest`. */
function isRepositoryOnly(image: string): boolean {
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  return !image.includes('@') && !lastPart.includes(':') && !/\s/.test(image);
}

const target = z
  .strictObject(clusterShape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')} in a target: a target accepts kubeconfig and context`
        : 'each entry of `targets` must be a mapping with kubeconfig and context, e.g. { kubeconfig: clusters/eu.kubeconfig, context: eu-west-1 }',
  })
  .superRefine((access, ctx) => checkContextHasKubeconfig(access, [], ctx));

const DIRECT_SETTINGS =
  'mode, kind, namespace, name, container, image, kubeconfig, context, targets, parallel and rolloutTimeout';

export const directSettingsSchema = z
  .strictObject(
    {
      mode: z.literal('direct'),
      kind: z
        .enum(WORKLOAD_KINDS, { error: `\`kind\` must be one of ${WORKLOAD_KINDS.join(', ')}` })
        .default('Deployment'),
      namespace: nonEmpty('namespace', 'production')
        .regex(DNS_LABEL, '`namespace` must be a Kubernetes namespace name: lower-case letters, digits and -')
        .default('default'),
      name: nonEmpty('name', 'api').regex(
        DNS_SUBDOMAIN,
        '`name` must be a Kubernetes object name: lower-case letters, digits, - and .',
      ),
      container: nonEmpty('container', 'api').optional(),
      image: nonEmpty('image', 'ghcr.io/acme/api').refine(isRepositoryOnly, {
        message: '`image` is the repository only, e.g. ghcr.io/acme/api: Baton adds :<version> (or @<digest>) itself',
      }),
      ...clusterShape,
      targets: z
        .array(target, { error: '`targets` must be a list of clusters, each { kubeconfig, context }' })
        .min(1, '`targets` is empty: list at least one cluster, or leave it out and use kubeconfig/context')
        .optional(),
      parallel: z.boolean({ error: '`parallel` must be true or false' }).default(false),
      rolloutTimeout: durationSetting('rolloutTimeout', '10m'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: in direct mode a kubernetes component accepts ${DIRECT_SETTINGS}`
          : 'a kubernetes component needs a `with:` mapping',
    },
  )
  .superRefine((settings, ctx) => {
    if (settings.targets !== undefined && (settings.kubeconfig !== undefined || settings.context !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'give either `targets` (several clusters) or `kubeconfig`/`context` (one cluster), not both',
      });
    }
    checkContextHasKubeconfig(settings, [], ctx);
  });

export type DirectSettings = z.infer<typeof directSettingsSchema>;
