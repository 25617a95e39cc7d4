/**
 * How Baton reaches a cluster: a kubeconfig file (and one of its contexts),
 * or, with neither set, the service account of the pod Baton runs in.
 * The file's credentials stay inside the client library; messages name the
 * file and the context, never what is in them.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../../src/errors.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import type { ClusterAccess } from '../settings-parts.ts';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface Cluster {
  kubeConfig: KubeConfig;
  /** How people tell this cluster apart: the context, the file, or "in-cluster". */
  label: string;
}

function kubeconfigPath(file: string, configDir: string): string {
  if (file === '~' || file.startsWith('~/')) return resolve(homedir(), file.slice(2));
  return resolve(configDir, file);
}

export function clusterLabel(access: ClusterAccess): string {
  return access.context ?? access.kubeconfig ?? 'in-cluster';
}

function fromFile(file: string, context: string | undefined, configDir: string): KubeConfig {
  const path = kubeconfigPath(file, configDir);
  if (!existsSync(path)) {
    throw new TerminalStepError(
      `The kubeconfig file ${path} does not exist. \`kubeconfig\` is relative to the config folder ${configDir}: ` +
        'fix the path, or mount the file on the Baton worker.',
    );
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (error) {
    throw new TerminalStepError(
      `The kubeconfig file ${path} could not be read: ${errorMessage(error).split('\n')[0]}. Check that it is a valid kubeconfig.`,
      {
        cause: error,
      },
    );
  }
  if (context !== undefined) {
    if (kubeConfig.getContextObject(context) === null) {
      const known = kubeConfig.getContexts().map((entry) => entry.name);
      throw new TerminalStepError(
        `The kubeconfig file ${path} has no context named ${context} (it has: ${known.join(', ') || 'none'}). Fix \`context\`.`,
      );
    }
    kubeConfig.setCurrentContext(context);
  }
  if (kubeConfig.getCurrentCluster() === null) {
    throw new TerminalStepError(
      `The kubeconfig file ${path} names no current cluster${context === undefined ? ' (and no `context` is set)' : ''}: ` +
        'set `context` to one of its contexts.',
    );
  }
  return kubeConfig;
}

function inCluster(): KubeConfig {
  if (process.env.KUBERNETES_SERVICE_HOST === undefined || !existsSync(SERVICE_ACCOUNT_TOKEN)) {
    throw new TerminalStepError(
      'No `kubeconfig` is set, so Baton would use the service account of the pod it runs in, ' +
        'but it is not running inside a Kubernetes pod (no KUBERNETES_SERVICE_HOST or service account token). ' +
        'Set `kubeconfig` (and `context`) to reach the cluster from here.',
    );
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromCluster();
  return kubeConfig;
}

export function connectCluster(access: ClusterAccess, configDir: string): Cluster {
  const kubeConfig =
    access.kubeconfig === undefined ? inCluster() : fromFile(access.kubeconfig, access.context, configDir);
  return { kubeConfig, label: clusterLabel(access) };
}
