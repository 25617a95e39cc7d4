/**
 * A release that crosses systems, driven only through the console's JSON API:
 * `iam` (a script) makes a role and publishes its ARN; `api` (the kubernetes
 * adapter in gitops mode) needs it, and commits the new image tag and that ARN
 * to a real config repository on disk. What Argo CD would deploy is checked by
 * rendering the overlay with the real `kubectl kustomize`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleClient, messageText, replyText, threadLines, type ConsoleClient } from '../support/console-client.ts';
import { git, ignoreUserGitConfig, makeConfigRepository, type ConfigRepository } from '../support/config-repository.ts';
import { kustomizeBuild, renderedImages, renderedObject } from '../support/kubectl.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const OVERLAY = 'overlays/staging';
const KUSTOMIZATION = `${OVERLAY}/kustomization.yaml`;
const SERVICE_ACCOUNT = `${OVERLAY}/serviceaccount.yaml`;
const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
const IAM_VERSION = '2026.12.1';
const API_VERSION = '1.5.0';

function roleArn(version: string): string {
  return `arn:aws:iam::123456789012:role/api-${version}`;
}

/** What staging ran before this release: api 1.4.2 with the role iam made for 2026.11.3. */
const DEPLOY_REPOSITORY: Record<string, string> = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - serviceaccount.yaml\n',
  'base/deployment.yaml': `apiVersion: apps/v1
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
      serviceAccountName: api
      containers:
        - name: api
          image: ghcr.io/acme/api:0.0.0
`,
  'base/serviceaccount.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n',
  [KUSTOMIZATION]: `# Staging: the api's tag and role are promoted by Baton.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: staging
resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    newTag: 1.4.2   # set by Baton
patches:
  - path: serviceaccount.yaml
`,
  [SERVICE_ACCOUNT]: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  annotations:
    ${ROLE_ARN_ANNOTATION}: ${roleArn('2026.11.3')}  # iam's role_arn output
`,
};

function pipelineConfig(remote: string): string {
  return `version: 1
environments:
  - name: staging
    channel: "#deploys"
    approvals: { required: 1 }
components:
  iam:
    adapter: script
    outputs: [role_arn]
    with:
      apply: [sh, -c, 'echo "role_arn=${roleArn('$BATON_VERSION')}" >> "$BATON_OUTPUT"']
  api:
    adapter: kubernetes
    needs: [iam]
    with:
      mode: gitops
      repo: ${JSON.stringify(remote)}
      path: "overlays/\${env}"
      edit:
        kustomizeImage: { name: ghcr.io/acme/api }
      set:
        - file: serviceaccount.yaml
          key: metadata.annotations["${ROLE_ARN_ANNOTATION}"]
          value: "\${iam.outputs.role_arn}"
      author: { name: Baton, email: baton@acme.test }
`;
}

describe('a release into a gitops environment through the console API', () => {
  let repo: ConfigRepository;
  let started: StartedBaton;
  let chat: ConsoleClient;

  beforeAll(ignoreUserGitConfig);

  beforeEach(async () => {
    repo = makeConfigRepository(DEPLOY_REPOSITORY);
    const configDir = join(repo.root, 'baton');
    mkdirSync(join(configDir, 'releases'), { recursive: true });
    writeFileSync(join(configDir, 'baton.yaml'), pipelineConfig(repo.remote));
    writeFileSync(
      join(configDir, 'releases', `${IAM_VERSION}.yaml`),
      `versions:\n  iam: ${IAM_VERSION}\n  api: ${API_VERSION}\n`,
    );
    started = await startExampleBaton(join(configDir, 'baton.yaml'));
    chat = consoleClient(started.baton.url);
  });

  afterEach(async () => {
    await started.stop();
    await repo.remove();
  });

  it('runs iam then api after a second person approves, and commits the tag and the role ARN to the overlay', async () => {
    const seeded = repo.commits();
    const reply = await chat.command('alice', `/promote ${IAM_VERSION} to staging`);
    const id = /promotion #(\d+)/.exec(replyText(reply))?.[1];
    if (!id) throw new Error(`no promotion was created: ${replyText(reply)}`);
    await started.baton.idle();

    const planned = await chat.promotionMessage(id);
    expect(planned.message.text).toContain('awaiting approval');
    const plan = messageText(planned.message);
    expect(plan).toContain(`newTag of image ghcr.io/acme/api 1.4.2 → ${API_VERSION} in ${KUSTOMIZATION}`);
    expect(plan).toContain(`${roleArn('2026.11.3')} → <iam.outputs.role_arn> in ${SERVICE_ACCOUNT}`);
    expect(repo.commits()).toEqual(seeded);

    await chat.click('bob', 'approve', id);
    await started.baton.idle();

    const done = await chat.promotionMessage(id);
    expect(done.message.text).toContain('succeeded');
    const thread = threadLines(done);
    const finished = (component: string): number =>
      thread.findIndex((line) => line.startsWith(`${component} `) && line.includes('succeeded'));
    const began = (component: string): number => thread.findIndex((line) => line.startsWith(`Started ${component} `));
    expect(thread).toContain('bob approved (1 of 1).');
    expect(finished('iam')).toBeGreaterThanOrEqual(0);
    expect(finished('api')).toBeGreaterThanOrEqual(0);
    expect(finished('iam')).toBeLessThan(began('api'));
    expect(thread.at(-1)).toMatch(new RegExp(`Promotion #${id} succeeded`));

    const [commit, ...older] = repo.commits();
    expect(older).toEqual(seeded);
    const message = repo.message(commit ?? '');
    expect(message).toContain(`Promote api ${API_VERSION} to staging`);
    expect(message).toContain(`promotion #${id} of release iam=${IAM_VERSION} api=${API_VERSION}, requested by alice`);
    expect(git(repo.remote, 'log', '-1', '--format=%an <%ae>', 'main').trim()).toBe('Baton <baton@acme.test>');

    const argo = repo.clone('argo');
    expect(repo.changedFiles(commit ?? '').sort()).toEqual([KUSTOMIZATION, SERVICE_ACCOUNT]);
    expect(git(argo, 'show', `HEAD:${KUSTOMIZATION}`)).toBe(
      DEPLOY_REPOSITORY[KUSTOMIZATION]?.replace('newTag: 1.4.2   #', `newTag: ${API_VERSION}   #`),
    );
    expect(git(argo, 'show', `HEAD:${SERVICE_ACCOUNT}`)).toBe(
      DEPLOY_REPOSITORY[SERVICE_ACCOUNT]?.replace(roleArn('2026.11.3'), roleArn(IAM_VERSION)),
    );

    const rendered = kustomizeBuild(join(argo, OVERLAY));
    expect(renderedImages(rendered)).toEqual([`ghcr.io/acme/api:${API_VERSION}`]);
    expect(renderedObject(rendered, 'ServiceAccount', 'api').metadata).toEqual({
      name: 'api',
      namespace: 'staging',
      annotations: { [ROLE_ARN_ANNOTATION]: roleArn(IAM_VERSION) },
    });
  });
});
