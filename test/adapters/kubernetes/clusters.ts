/**
 * One Kubernetes API stand-in per cluster (e.g. two regions), and one
 * kubeconfig file with a context for each, in a temp folder that serves as
 * the config folder of the tests.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startKubernetesStandIn,
  type KubernetesStandIn,
  type StandInOptions,
} from '../../harness/kubernetes/api-server.ts';
import { writeKubeconfig } from '../../harness/kubernetes/kubeconfig.ts';

export interface Clusters {
  /** The config folder: `kubeconfig.yaml` is in it. */
  dir: string;
  kubeconfig: string;
  cluster(context: string): KubernetesStandIn;
  close(): Promise<void>;
}

export async function startClusters(contexts: string[] = ['eu-west'], options: StandInOptions = {}): Promise<Clusters> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-clusters-'));
  const standIns = new Map<string, KubernetesStandIn>();
  for (const context of contexts) standIns.set(context, await startKubernetesStandIn(options));
  const kubeconfig = writeKubeconfig(
    join(dir, 'kubeconfig.yaml'),
    [...standIns].map(([context, standIn]) => ({ context, standIn })),
  );
  return {
    dir,
    kubeconfig,
    cluster(context) {
      const found = standIns.get(context);
      if (found === undefined) throw new Error(`no stand-in cluster named ${context}`);
      return found;
    },
    async close() {
      await Promise.all([...standIns.values()].map((standIn) => standIn.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
