/**
 * What the kubernetes adapter's gitops tests put in their config repository:
 * kustomize overlays (one patching a ServiceAccount's role annotation), a Helm values file and a plain multi-document manifest.
 */
export const DEV_OVERLAY = 'apps/api/overlays/dev/kustomization.yaml';
export const DEV_SERVICE_ACCOUNT = 'apps/api/overlays/dev/serviceaccount.yaml';
export const ROLE_ARN_KEY = 'metadata.annotations["eks.amazonaws.com/role-arn"]';
export const PINNED_OVERLAY = 'apps/api/overlays/pinned/kustomization.yaml';
export const WORKER_VALUES = 'apps/worker/values-dev.yaml';
export const SITE_MANIFESTS = 'apps/site/manifests.yaml';
export const OLD_DIGEST = `sha256:${'a'.repeat(64)}`;
export const NEW_DIGEST = `sha256:${'b'.repeat(64)}`;

/** Odd spacing, comments and quoting on purpose: none of it may change when Baton edits the file. */
export const SEED_FILES: Record<string, string> = {
  'apps/api/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - serviceaccount.yaml\n',
  'apps/api/base/serviceaccount.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n',
  'apps/api/base/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: { app: api }
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:0.0.0
        - name: sidecar
          image: ghcr.io/acme/sidecar:0.0.0
`,
  [DEV_OVERLAY]: `# Dev overlay: Baton promotes the api here.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: dev
resources:
  - ../../base

images:
    # the sidecar stays pinned
  - name: ghcr.io/acme/sidecar
    newTag: "7.1"
  - name: ghcr.io/acme/api   # promoted by Baton
    newTag: 1.0.0    # keep this comment
labels:
  - pairs: {team: checkout,   tier: web}
patches:
  - path: serviceaccount.yaml
`,
  [DEV_SERVICE_ACCOUNT]: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/api-1.0.0   # written by Baton from iam's output
`,
  'apps/api/overlays/production/kustomization.yaml': `resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    newTag: 0.9.0
`,
  [PINNED_OVERLAY]: `resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    digest: ${OLD_DIGEST}
`,
  [WORKER_VALUES]: `# Worker values for dev
replicaCount: 2
image:
  repository: ghcr.io/acme/worker
  tag: "1.0.0"   # set by Baton
  pullPolicy: IfNotPresent
resources: {}
`,
  [SITE_MANIFESTS]: `apiVersion: v1
kind: Service
metadata:
  name: site
  labels:
    version: untouched
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: site
spec:
  template:
    metadata:
      labels:
        app: site
        version: 1.0.0
`,
};
