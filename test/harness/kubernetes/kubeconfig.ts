/**
 * Writes a kubeconfig file whose contexts point at Kubernetes API stand-ins,
 * with the stand-in's CA and bearer token, as a cluster admin would hand one out.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KubernetesStandIn } from './api-server.ts';

export interface StandInContext {
  context: string;
  standIn: KubernetesStandIn;
  /** Defaults to the stand-in's token; give another to test a refused credential. */
  token?: string;
}

export function writeKubeconfig(
  path: string,
  contexts: StandInContext[],
  currentContext = contexts[0]?.context,
): string {
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map(({ context, standIn }) => ({
      name: `${context}-cluster`,
      cluster: { server: standIn.server, 'certificate-authority-data': standIn.certificateAuthorityData },
    })),
    users: contexts.map(({ context, standIn, token }) => ({
      name: `${context}-user`,
      user: { token: token ?? standIn.token },
    })),
    contexts: contexts.map(({ context }) => ({
      name: context,
      context: { cluster: `${context}-cluster`, user: `${context}-user` },
    })),
    'current-context': currentContext,
  };
  writeFileSync(path, stringify(document));
  return path;
}
