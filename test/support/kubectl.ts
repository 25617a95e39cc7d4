/**
 * `kubectl kustomize`, the real renderer Argo CD and Flux use, for checking
 * what an overlay deploys after Baton changed it. A missing kubectl fails the
 * test with how to install it: CI must have it.
 */
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

const KUBECTL_MISSING =
  'kubectl is not installed, and these tests render the overlays with `kubectl kustomize` (kubectl 1.32 with kustomize 5.5). ' +
  'Install the `kubectl` package (apt-get install kubectl, from the Kubernetes or Google Cloud apt repository) and run the tests again.';

export function kustomizeBuild(folder: string): string {
  try {
    return execFileSync('kubectl', ['kustomize', folder], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(KUBECTL_MISSING, { cause: error });
    throw error;
  }
}

/** The `image:` of every container the rendered manifests run. */
export function renderedImages(rendered: string): string[] {
  return [...rendered.matchAll(/^\s*(?:- )?image: (\S+)$/gm)].map((match) => match[1] ?? '');
}

export interface RenderedObject {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

/** The rendered object of `kind` named `name`; fails naming what was rendered when it is not there. */
export function renderedObject(rendered: string, kind: string, name: string): RenderedObject {
  const objects = parseAllDocuments(rendered).map((document) => document.toJS() as RenderedObject);
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) {
    const seen = objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ');
    throw new Error(`kubectl kustomize rendered no ${kind}/${name}; it rendered ${seen || 'nothing'}`);
  }
  return found;
}
