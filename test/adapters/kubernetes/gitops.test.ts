/**
 * gitops mode against real git: a bare repository on disk stands for the
 * config repository, colleagues push to it from their own clones, and
 * `kubectl kustomize` renders what Argo CD or Flux would deploy.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { MAX_PUSH_ATTEMPTS } from '../../../adapters/kubernetes/gitops/publish.ts';
import { kubernetesAdapter } from '../../../adapters/kubernetes/index.ts';
import type { KubernetesSettings } from '../../../adapters/kubernetes/schema.ts';
import {
  git,
  ignoreUserGitConfig,
  makeConfigRepository,
  type ConfigRepository,
} from '../../support/config-repository.ts';
import { kustomizeBuild, renderedImages, renderedObject } from '../../support/kubectl.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';
import { describeAdapterContract } from '../contract-suite.ts';
import {
  DEV_OVERLAY,
  DEV_SERVICE_ACCOUNT,
  NEW_DIGEST,
  OLD_DIGEST,
  PINNED_OVERLAY,
  ROLE_ARN_KEY,
  SEED_FILES,
  SITE_MANIFESTS,
  WORKER_VALUES,
} from './seed-files.ts';

beforeAll(ignoreUserGitConfig);

const AUTHOR = { name: 'Baton Bot', email: 'baton@acme.test' };

function devSettings(repo: ConfigRepository, extra: Record<string, unknown> = {}): KubernetesSettings {
  return kubernetesAdapter.config.parse({
    mode: 'gitops',
    repo: repo.remote,
    path: 'apps/api/overlays/dev',
    edit: { kustomizeImage: { name: 'ghcr.io/acme/api' } },
    author: AUTHOR,
    ...extra,
  });
}

type Overrides = Partial<AdapterContext<KubernetesSettings>>;

function gitopsContext(
  repo: ConfigRepository,
  extra: Record<string, unknown> = {},
  overrides: Overrides = {},
): TestAdapterContext<KubernetesSettings> {
  return makeAdapterContext({
    config: devSettings(repo, extra),
    workDir: join(repo.root, 'work'),
    configDir: repo.root,
    stepId: 'step-api-dev',
    promotionId: '42',
    requestedBy: 'carol',
    release: 'api=2.0.0 worker=2.0.0',
    version: '2.0.0',
    previousVersion: '1.0.0',
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => new Error('expected the call to fail, but it succeeded'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error(`expected an Error, got ${String(error)}`);
  return error;
}

describeAdapterContract('kubernetes (gitops, kustomize overlay in a real git repository)', {
  capabilities: { observesVersion: true, reversible: true },
  async setUp() {
    ignoreUserGitConfig();
    const repo = makeConfigRepository(SEED_FILES);
    return {
      adapter: kubernetesAdapter as never,
      context: (overrides = {}) => gitopsContext(repo, {}, overrides as Overrides) as never,
      cleanup: () => repo.remove(),
    };
  },
});

describe('kubernetes adapter in gitops mode', () => {
  let repo: ConfigRepository;

  beforeEach(() => {
    repo = makeConfigRepository(SEED_FILES);
  });

  afterEach(async () => {
    await repo.remove();
  });

  describe('apply', () => {
    it('changes only the targeted value, pushes one commit, and kubectl kustomize renders the new image', async () => {
      const before = repo.fileOnRemote(DEV_OVERLAY);
      expect(renderedImages(kustomizeBuild(join(repo.clone('before'), 'apps/api/overlays/dev')))).toContain(
        'ghcr.io/acme/api:1.0.0',
      );

      const result = await kubernetesAdapter.apply(gitopsContext(repo));

      const after = repo.fileOnRemote(DEV_OVERLAY);
      expect(after).toBe(
        before.replace('newTag: 1.0.0    # keep this comment', 'newTag: 2.0.0    # keep this comment'),
      );
      const [head, seed, ...older] = repo.commits();
      expect(older).toEqual([]);
      expect(seed).toBeDefined();
      expect(result.outputs).toEqual({ commit: head, branch: 'main', file: DEV_OVERLAY });
      expect(repo.changedFiles(head ?? '')).toEqual([DEV_OVERLAY]);
      const message = repo.message(head ?? '');
      expect(message).toContain('Promote api 2.0.0 to dev\n\n');
      expect(message).toContain(
        'Baton promotion #42 of release api=2.0.0 worker=2.0.0, requested by carol, changes:\n' +
          `- newTag of image ghcr.io/acme/api in ${DEV_OVERLAY}: 1.0.0 → 2.0.0\n`,
      );
      expect(message).toContain('Baton-Step: step-api-dev');
      expect(git(repo.remote, 'log', '-1', '--format=%an <%ae> / %cn <%ce>', 'main').trim()).toBe(
        'Baton Bot <baton@acme.test> / Baton Bot <baton@acme.test>',
      );
      expect(result.summary).toBe(
        `committed ${head?.slice(0, 7)} on main of ${repo.remote}: newTag of image ghcr.io/acme/api 1.0.0 → 2.0.0 in ${DEV_OVERLAY}`,
      );

      const images = renderedImages(kustomizeBuild(join(repo.clone('after'), 'apps/api/overlays/dev')));
      expect(images).toEqual(['ghcr.io/acme/api:2.0.0', 'ghcr.io/acme/sidecar:7.1']);
    });

    it('pins a digest when the kustomize field is digest, and kubectl kustomize renders the image by digest', async () => {
      const before = repo.fileOnRemote(PINNED_OVERLAY);
      const ctx = gitopsContext(
        repo,
        { path: 'apps/api/overlays/pinned', edit: { kustomizeImage: { name: 'ghcr.io/acme/api', field: 'digest' } } },
        { version: NEW_DIGEST },
      );
      await kubernetesAdapter.apply(ctx);
      expect(repo.fileOnRemote(PINNED_OVERLAY)).toBe(before.replace(OLD_DIGEST, NEW_DIGEST));
      const rendered = kustomizeBuild(join(repo.clone('pinned'), 'apps/api/overlays/pinned'));
      expect(renderedImages(rendered)).toContain(`ghcr.io/acme/api@${NEW_DIGEST}`);
    });

    it('refuses a version that is not a digest for the digest field, committing nothing', async () => {
      const commits = repo.commits();
      const ctx = gitopsContext(repo, {
        path: 'apps/api/overlays/pinned',
        edit: { kustomizeImage: { name: 'ghcr.io/acme/api', field: 'digest' } },
      });
      const error = await failure(kubernetesAdapter.apply(ctx));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('"2.0.0" is not an image digest');
      expect(repo.commits()).toEqual(commits);
    });

    it('changes a Helm values key in place, keeping its quotes and comment', async () => {
      const before = repo.fileOnRemote(WORKER_VALUES);
      const ctx = gitopsContext(
        repo,
        {
          path: 'apps/worker',
          edit: { helmValues: { file: 'values-dev.yaml', key: 'image.tag' } },
        },
        { component: 'worker' },
      );
      expect(await kubernetesAdapter.current(ctx)).toMatchObject({ version: '1.0.0' });
      await kubernetesAdapter.apply(ctx);
      expect(repo.fileOnRemote(WORKER_VALUES)).toBe(
        before.replace('tag: "1.0.0"   # set by Baton', 'tag: "2.0.0"   # set by Baton'),
      );
      expect(await kubernetesAdapter.current(ctx)).toMatchObject({ version: '2.0.0' });
    });

    it('changes any key of any document of a YAML file, quoting a version YAML would read as a number', async () => {
      const before = repo.fileOnRemote(SITE_MANIFESTS);
      const ctx = gitopsContext(
        repo,
        {
          path: 'apps/site',
          edit: { yaml: { file: 'manifests.yaml', key: 'spec.template.metadata.labels.version', document: 1 } },
        },
        { component: 'site', version: '1.10' },
      );
      await kubernetesAdapter.apply(ctx);
      expect(repo.fileOnRemote(SITE_MANIFESTS)).toBe(
        before.replace('        version: 1.0.0', '        version: "1.10"'),
      );
      expect((await kubernetesAdapter.current(ctx)).version).toBe('1.10');
    });

    it('uses the commitMessage setting and still names the promotion, release and requester in trailers', async () => {
      await kubernetesAdapter.apply(gitopsContext(repo, { commitMessage: 'Promote api 2.0.0 to dev (release r-7)' }));
      const message = repo.message(repo.commits()[0] ?? '');
      expect(message.startsWith('Promote api 2.0.0 to dev (release r-7)\n\n')).toBe(true);
      expect(message).toContain(
        'Baton-Promotion: 42\nBaton-Release: api=2.0.0 worker=2.0.0\nBaton-Requested-By: carol\n' +
          'Baton-Environment: dev\nBaton-Version: 2.0.0\nBaton-Step: step-api-dev',
      );
      expect(
        git(repo.remote, 'log', '-1', '--format=%(trailers:key=Baton-Requested-By,valueonly)', 'main').trim(),
      ).toBe('carol');
    });

    it('commits nothing when the file already holds the version', async () => {
      const commits = repo.commits();
      const ctx = gitopsContext(repo, {}, { version: '1.0.0' });
      const result = await kubernetesAdapter.apply(ctx);
      expect(repo.commits()).toEqual(commits);
      expect(result.outputs.commit).toBe(commits[0]);
      expect(result.summary).toContain(`${DEV_OVERLAY} already holds 1.0.0`);
      expect((await kubernetesAdapter.plan(ctx)).changes).toBe(false);
    });
  });

  describe('set: values beside the version, such as an output of a step this one needs', () => {
    const roleArn = (version: string): string => `arn:aws:iam::123456789012:role/api-${version}`;
    const withRole = (value: string): Record<string, unknown> => ({
      set: [{ file: 'serviceaccount.yaml', key: ROLE_ARN_KEY, value }],
    });

    it('writes the version and the value in one commit, changing nothing else, and kubectl kustomize renders both', async () => {
      const overlay = repo.fileOnRemote(DEV_OVERLAY);
      const account = repo.fileOnRemote(DEV_SERVICE_ACCOUNT);

      const result = await kubernetesAdapter.apply(gitopsContext(repo, withRole(roleArn('2.0.0'))));

      const [head, ...older] = repo.commits();
      expect(older).toHaveLength(1);
      expect(repo.changedFiles(head ?? '').sort()).toEqual([DEV_OVERLAY, DEV_SERVICE_ACCOUNT].sort());
      expect(repo.fileOnRemote(DEV_OVERLAY)).toBe(overlay.replace('newTag: 1.0.0    #', 'newTag: 2.0.0    #'));
      expect(repo.fileOnRemote(DEV_SERVICE_ACCOUNT)).toBe(account.replace(roleArn('1.0.0'), roleArn('2.0.0')));
      expect(repo.message(head ?? '')).toContain(
        `- newTag of image ghcr.io/acme/api in ${DEV_OVERLAY}: 1.0.0 → 2.0.0\n` +
          `- ${ROLE_ARN_KEY} in ${DEV_SERVICE_ACCOUNT}: ${roleArn('1.0.0')} → ${roleArn('2.0.0')}\n`,
      );
      expect(result.summary).toContain(
        `; ${ROLE_ARN_KEY} ${roleArn('1.0.0')} → ${roleArn('2.0.0')} in ${DEV_SERVICE_ACCOUNT}`,
      );

      const rendered = kustomizeBuild(join(repo.clone('after'), 'apps/api/overlays/dev'));
      expect(renderedObject(rendered, 'ServiceAccount', 'api').metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': roleArn('2.0.0'),
      });
      expect(renderedImages(rendered)).toContain('ghcr.io/acme/api:2.0.0');
    });

    it('plans both changes, showing an output not known yet by its placeholder', async () => {
      const preview = await kubernetesAdapter.plan(gitopsContext(repo, withRole('<iam.outputs.role_arn>')));
      expect(preview.summary).toBe(
        `commit to main of ${repo.remote}: newTag of image ghcr.io/acme/api 1.0.0 → 2.0.0 in ${DEV_OVERLAY}; ` +
          `${ROLE_ARN_KEY} ${roleArn('1.0.0')} → <iam.outputs.role_arn> in ${DEV_SERVICE_ACCOUNT}`,
      );
      expect(preview.details).toEqual([
        `${DEV_OVERLAY}:13`,
        '-     newTag: 1.0.0    # keep this comment',
        '+     newTag: 2.0.0    # keep this comment',
        `${DEV_SERVICE_ACCOUNT}:6`,
        `-     eks.amazonaws.com/role-arn: ${roleArn('1.0.0')}   # written by Baton from iam's output`,
        '+     eks.amazonaws.com/role-arn: "<iam.outputs.role_arn>"   # written by Baton from iam\'s output',
        'then done: no argocd or flux setting, so Baton does not wait for a sync',
      ]);
    });

    it('commits only the value when the file already holds the version', async () => {
      const overlay = repo.fileOnRemote(DEV_OVERLAY);
      const result = await kubernetesAdapter.apply(
        gitopsContext(repo, withRole(roleArn('1.0.1')), { version: '1.0.0' }),
      );
      const [head] = repo.commits();
      expect(repo.changedFiles(head ?? '')).toEqual([DEV_SERVICE_ACCOUNT]);
      expect(repo.fileOnRemote(DEV_OVERLAY)).toBe(overlay);
      expect(result.summary).toBe(
        `committed ${head?.slice(0, 7)} on main of ${repo.remote}: ${ROLE_ARN_KEY} ${roleArn('1.0.0')} → ${roleArn('1.0.1')} in ${DEV_SERVICE_ACCOUNT}`,
      );
    });

    it('commits nothing when the version and every value are already there', async () => {
      const commits = repo.commits();
      const ctx = gitopsContext(repo, withRole(roleArn('1.0.0')), { version: '1.0.0' });
      const result = await kubernetesAdapter.apply(ctx);
      expect(repo.commits()).toEqual(commits);
      expect(result.summary).toContain(
        `${DEV_OVERLAY}, ${DEV_SERVICE_ACCOUNT} already hold 1.0.0 and every \`set\` value`,
      );
      expect((await kubernetesAdapter.plan(ctx)).changes).toBe(false);
    });

    it('a rollback puts back the value it saw before, with the version, in one new commit', async () => {
      const overlay = repo.fileOnRemote(DEV_OVERLAY);
      const account = repo.fileOnRemote(DEV_SERVICE_ACCOUNT);
      const ctx = gitopsContext(repo, withRole(roleArn('2.0.0')));
      const before = await kubernetesAdapter.current(ctx);
      await kubernetesAdapter.apply(ctx);

      await kubernetesAdapter.rollback?.(ctx, before);

      const [rollbackCommit] = repo.commits();
      expect(repo.changedFiles(rollbackCommit ?? '').sort()).toEqual([DEV_OVERLAY, DEV_SERVICE_ACCOUNT].sort());
      expect(repo.fileOnRemote(DEV_OVERLAY)).toBe(overlay);
      expect(repo.fileOnRemote(DEV_SERVICE_ACCOUNT)).toBe(account);
      expect(repo.message(rollbackCommit ?? '')).toContain(
        `- ${ROLE_ARN_KEY} in ${DEV_SERVICE_ACCOUNT}: ${roleArn('2.0.0')} → ${roleArn('1.0.0')}`,
      );
    });

    it('names a missing key and the keys that are there, committing nothing', async () => {
      const commits = repo.commits();
      const ctx = gitopsContext(repo, {
        set: [{ file: 'serviceaccount.yaml', key: 'metadata.annotations["eks.amazonaws.com/role"]', value: 'x' }],
      });
      const error = await failure(kubernetesAdapter.apply(ctx));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain(
        `${DEV_SERVICE_ACCOUNT} has no metadata.annotations["eks.amazonaws.com/role"] (keys there: eks.amazonaws.com/role-arn at metadata.annotations)`,
      );
      expect(repo.commits()).toEqual(commits);
    });
  });

  describe('when someone else pushes at the same time', () => {
    it('starts again on top of their commit instead of forcing, keeping both changes', async () => {
      let theirs = '';
      const ctx = gitopsContext(
        repo,
        {},
        {
          log: (line) => {
            // Between Baton's commit and its push, a colleague changes another line of the same file.
            if (theirs === '' && line.includes('pushing to main')) {
              theirs = repo.pushAsColleague(
                { [DEV_OVERLAY]: repo.fileOnRemote(DEV_OVERLAY).replace('newTag: "7.1"', 'newTag: "7.2"') },
                'Bump the sidecar',
              );
            }
          },
        },
      );
      const result = await kubernetesAdapter.apply(ctx);

      const [ours, parent] = repo.commits();
      expect(ours).toBe(result.outputs.commit);
      expect(parent).toBe(theirs);
      expect(git(repo.remote, 'rev-parse', `${ours}^`).trim()).toBe(theirs);
      const file = repo.fileOnRemote(DEV_OVERLAY);
      expect(file).toContain('newTag: "7.2"');
      expect(file).toContain('newTag: 2.0.0    # keep this comment');
      expect(repo.commitsForStep('step-api-dev')).toEqual([ours]);
      expect(ctx.logged.some((line) => line.includes('main moved while Baton pushed (attempt 1 of 5)'))).toBe(true);
    });

    it(`gives up after ${MAX_PUSH_ATTEMPTS} rejected pushes with a retryable error, leaving everyone's commits in place`, async () => {
      let pushes = 0;
      const ctx = gitopsContext(
        repo,
        {},
        {
          log: (line) => {
            if (!line.includes('pushing to main')) return;
            pushes += 1;
            repo.pushAsColleague({ [`notes/${pushes}.txt`]: `busy ${pushes}\n` }, `Colleague commit ${pushes}`);
          },
        },
      );
      const error = await failure(kubernetesAdapter.apply(ctx));
      expect(error).toBeInstanceOf(RetryableStepError);
      expect(error.message).toContain(`the branch moved ${MAX_PUSH_ATTEMPTS} times while Baton pushed`);
      expect(pushes).toBe(MAX_PUSH_ATTEMPTS);
      expect(repo.commits()).toHaveLength(1 + MAX_PUSH_ATTEMPTS);
      expect(repo.commitsForStep('step-api-dev')).toEqual([]);
    });
  });

  describe('idempotency', () => {
    it('after a crash once the push reached the remote, a retry with the same step id commits nothing more', async () => {
      const marker = join(repo.root, 'received');
      repo.hook('post-receive', `touch '${marker}'\nsleep 2`);
      const controller = new AbortController();
      const watcher = setInterval(() => {
        if (existsSync(marker)) controller.abort(new Error('the worker crashed'));
      }, 10);
      const crashed = await failure(kubernetesAdapter.apply(gitopsContext(repo, {}, { signal: controller.signal })));
      clearInterval(watcher);
      expect(crashed).toBeInstanceOf(TerminalStepError);
      expect(crashed.message).toContain('the worker crashed');
      const pushed = repo.commitsForStep('step-api-dev');
      expect(pushed).toHaveLength(1);

      repo.hook('post-receive', 'exit 0');
      const retry = gitopsContext(repo);
      const result = await kubernetesAdapter.apply(retry);
      expect(repo.commitsForStep('step-api-dev')).toEqual(pushed);
      expect(repo.commits()).toHaveLength(2);
      expect(result.outputs.commit).toBe(pushed[0]);
      expect(retry.logged.some((line) => line.includes('already carries this step'))).toBe(true);
    });

    it('after a crash between commit and push, a retry pushes exactly one commit', async () => {
      repo.hook('pre-receive', 'echo "main is protected right now" >&2\nexit 1');
      const refused = await failure(kubernetesAdapter.apply(gitopsContext(repo)));
      expect(refused).toBeInstanceOf(TerminalStepError);
      expect(refused.message).toContain(`${repo.remote} refused Baton's push to main (pre-receive hook declined)`);
      expect(repo.commits()).toHaveLength(1);

      repo.hook('pre-receive', 'exit 0');
      await kubernetesAdapter.apply(gitopsContext(repo));
      expect(repo.commits()).toHaveLength(2);
      expect(repo.commitsForStep('step-api-dev')).toHaveLength(1);
    });

    it('serialises steps that share the repository, so each commits once', async () => {
      const api = gitopsContext(repo);
      const worker = gitopsContext(
        repo,
        { path: 'apps/worker', edit: { helmValues: { file: 'values-dev.yaml' } } },
        { component: 'worker', stepId: 'step-worker-dev', workDir: join(repo.root, 'work-worker') },
      );
      await Promise.all([kubernetesAdapter.apply(api), kubernetesAdapter.apply(worker)]);
      expect(repo.commits()).toHaveLength(3);
      expect(repo.commitsForStep('step-api-dev')).toHaveLength(1);
      expect(repo.commitsForStep('step-worker-dev')).toHaveLength(1);
    });

    it('keeps one working copy per repository, named without anything from the address', async () => {
      const ctx = gitopsContext(repo);
      await kubernetesAdapter.plan(ctx);
      await kubernetesAdapter.apply(ctx);
      await kubernetesAdapter.current(ctx);
      const copies = readdirSync(join(repo.root, 'work', 'gitops'));
      expect(copies).toHaveLength(1);
      expect(copies[0]).toMatch(/^repo-[0-9a-f]{16}$/);
    });
  });

  describe('plan and current', () => {
    it('plan shows the file diff, old to new, without committing', async () => {
      const commits = repo.commits();
      const preview = await kubernetesAdapter.plan(gitopsContext(repo, { argocd: { application: 'api-dev' } }));
      expect(preview).toEqual({
        summary: `commit to main of ${repo.remote}: newTag of image ghcr.io/acme/api 1.0.0 → 2.0.0 in ${DEV_OVERLAY}`,
        details: [
          `${DEV_OVERLAY}:13`,
          '-     newTag: 1.0.0    # keep this comment',
          '+     newTag: 2.0.0    # keep this comment',
          'then wait up to 10m for Argo CD application argocd/api-dev to sync the commit and report it healthy',
        ],
        reversible: true,
        changes: true,
      });
      expect(repo.commits()).toEqual(commits);
    });

    it('current reads the version a colleague pushed, not a stale copy', async () => {
      const ctx = gitopsContext(repo);
      expect((await kubernetesAdapter.current(ctx)).version).toBe('1.0.0');
      repo.pushAsColleague(
        { [DEV_OVERLAY]: repo.fileOnRemote(DEV_OVERLAY).replace('newTag: 1.0.0', 'newTag: 1.5.0') },
        'Hotfix',
      );
      expect(await kubernetesAdapter.current(ctx)).toEqual({
        version: '1.5.0',
        detail: { file: DEV_OVERLAY, branch: 'main', commit: repo.commits()[0] },
      });
    });
  });

  describe('rollback', () => {
    it('restores the previous value with a new commit on top, never rewriting history', async () => {
      const original = repo.fileOnRemote(DEV_OVERLAY);
      const ctx = gitopsContext(repo);
      const applied = await kubernetesAdapter.apply(ctx);
      const result = await kubernetesAdapter.rollback?.(ctx, { version: '1.0.0' });

      const [rollbackCommit, applyCommit, seed] = repo.commits();
      expect(applyCommit).toBe(applied.outputs.commit);
      expect(seed).toBeDefined();
      expect(result?.outputs.commit).toBe(rollbackCommit);
      expect(repo.fileOnRemote(DEV_OVERLAY)).toBe(original);
      const message = repo.message(rollbackCommit ?? '');
      expect(message).toContain('Roll back api to 1.0.0 in dev');
      expect(message).toContain('Baton-Rollback: step-api-dev');
      expect(result?.summary).toContain('rolled back to 1.0.0 by a new commit');

      await kubernetesAdapter.rollback?.(ctx, { version: '1.0.0' });
      expect(repo.commits()).toHaveLength(3);
    });

    it('refuses when Baton never saw what ran before', async () => {
      const error = await failure(
        Promise.resolve(kubernetesAdapter.rollback?.(gitopsContext(repo), { version: null })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('Cannot roll back api in dev');
    });
  });

  describe('errors people can act on', () => {
    it('names the missing images entry and the ones that exist', async () => {
      const error = await failure(
        kubernetesAdapter.apply(gitopsContext(repo, { edit: { kustomizeImage: { name: 'ghcr.io/acme/nope' } } })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain(
        `${DEV_OVERLAY} has no \`images:\` entry named ghcr.io/acme/nope (found: ghcr.io/acme/sidecar, ghcr.io/acme/api)`,
      );
    });

    it('names a missing file and the settings to check', async () => {
      const error = await failure(
        kubernetesAdapter.current(gitopsContext(repo, { path: 'apps/api/overlays/staging' })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('apps/api/overlays/staging/kustomization.yaml does not exist on branch main');
      expect(error.message).toContain('`path`, `edit` and `set` settings');
    });

    it('names a missing key and the keys that are there', async () => {
      const ctx = gitopsContext(repo, {
        path: 'apps/worker',
        edit: { helmValues: { file: 'values-dev.yaml', key: 'image.digest' } },
      });
      const error = await failure(kubernetesAdapter.plan(ctx));
      expect(error.message).toContain(
        `${WORKER_VALUES} has no image.digest (keys there: repository, tag, pullPolicy at image)`,
      );
    });

    it('points at the line of a file that is not valid YAML', async () => {
      repo.pushAsColleague({ [DEV_OVERLAY]: 'images:\n  - name: [unclosed\n' }, 'Break the overlay');
      const error = await failure(kubernetesAdapter.current(gitopsContext(repo)));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toMatch(new RegExp(`${DEV_OVERLAY}:\\d+:\\d+ is not valid YAML`));
    });

    it('says when the branch does not exist', async () => {
      const error = await failure(kubernetesAdapter.apply(gitopsContext(repo, { branch: 'release/dev' })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('The branch release/dev does not exist in');
    });

    it('says when the repository does not exist', async () => {
      const error = await failure(
        kubernetesAdapter.current(gitopsContext(repo, { repo: join(repo.root, 'missing.git') })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('the repository was not found');
    });
  });

  describe('credentials in the repository address', () => {
    let server: Server;
    let port = 0;

    beforeEach(async () => {
      // A git host stand-in that refuses every credential, as GitHub does for a revoked token.
      server = createServer((_request, response) => {
        response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git host stand-in"' });
        response.end('Bad credentials\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });

    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('a refused token fails for good, and the token shows nowhere', async () => {
      const token = 'ghp_s3cr3tT0ken1234';
      const ctx = gitopsContext(repo, { repo: `http://baton:${token}@127.0.0.1:${port}/acme/deploy.git` });
      const error = await failure(kubernetesAdapter.apply(ctx));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain("the repository refused Baton's credentials");
      expect(error.message).toContain(`http://127.0.0.1:${port}/acme/deploy.git`);
      expect(error.message).not.toContain(token);
      expect(ctx.logged.join('\n')).not.toContain(token);
      expect(readdirSync(join(repo.root, 'work', 'gitops')).join(' ')).not.toContain(token);
    });

    it('a git host that cannot be reached is worth another attempt', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      const ctx = gitopsContext(repo, { repo: `http://127.0.0.1:${closedPort}/acme/deploy.git` });
      const error = await failure(kubernetesAdapter.current(ctx));
      expect(error).toBeInstanceOf(RetryableStepError);
      expect(error.message).toContain('could not be reached');
    });
  });

  describe('settings', () => {
    function problems(input: unknown): string {
      const result = kubernetesAdapter.config.safeParse(input);
      return result.success ? '' : z.prettifyError(result.error);
    }

    const minimal = {
      mode: 'gitops',
      repo: 'https://example.test/deploy.git',
      edit: { kustomizeImage: { name: 'ghcr.io/acme/api' } },
    };

    it('fills in the documented defaults', () => {
      expect(kubernetesAdapter.config.parse(minimal)).toEqual({
        ...minimal,
        branch: 'main',
        path: '.',
        edit: { kustomizeImage: { name: 'ghcr.io/acme/api', field: 'newTag' } },
        set: [],
        author: { name: 'Baton', email: 'baton@localhost' },
        verifyTimeout: '10m',
      });
      expect(
        kubernetesAdapter.config.parse({ ...minimal, edit: { helmValues: {} }, argocd: { application: 'api' } }),
      ).toMatchObject({
        edit: { helmValues: { file: 'values.yaml', key: 'image.tag' } },
        argocd: { application: 'api', namespace: 'argocd' },
      });
    });

    it('asks for the mode, and names the modes', () => {
      expect(problems({ repo: 'x' })).toContain('`mode` is required: gitops');
      expect(problems({ mode: 'helm' })).toContain('"helm" is not a mode: use gitops');
    });

    it('wants exactly one edit', () => {
      expect(problems({ ...minimal, edit: {} })).toContain('`edit` is empty');
      expect(problems({ ...minimal, edit: { kustomizeImage: { name: 'a' }, helmValues: {} } })).toContain(
        'exactly one of',
      );
      expect(problems({ ...minimal, edit: { kustomize: {} } })).toContain('unknown edit `kustomize`');
    });

    it('rejects paths that leave the repository and bad key paths', () => {
      expect(problems({ ...minimal, path: '../other' })).toContain('`path` must be a path inside the repository');
      expect(problems({ ...minimal, path: '/etc' })).toContain('`path` must be a path inside the repository');
      expect(problems({ ...minimal, edit: { yaml: { file: 'a.yaml', key: 'a..b' } } })).toContain(
        '`edit.yaml.key` must be keys separated by dots',
      );
    });

    it('rejects both argocd and flux, a bad duration, and a context without a kubeconfig', () => {
      const text = problems({
        ...minimal,
        argocd: { application: 'a' },
        flux: { kustomization: 'b' },
        verifyTimeout: 'soon',
        context: 'prod',
      });
      expect(text).toContain('give `argocd` or `flux`, not both');
      expect(text).toContain('`verifyTimeout` must be a number and a unit');
      expect(text).toContain('set `kubeconfig` to that file too');
    });

    it('takes set values with keys that hold dots, and refuses ones that collide or are not strings', () => {
      expect(
        kubernetesAdapter.config.parse({
          ...minimal,
          set: [{ file: 'sa.yaml', key: 'metadata.annotations["a.b/c"]', value: 'x' }],
        }),
      ).toMatchObject({
        set: [{ file: 'sa.yaml', key: 'metadata.annotations["a.b/c"]', value: 'x', document: 0 }],
      });
      const twice = { file: 'sa.yaml', key: 'a.b', value: 'x' };
      expect(problems({ ...minimal, set: [twice, twice] })).toContain('`set` names a.b in sa.yaml twice');
      expect(
        problems({
          ...minimal,
          edit: { helmValues: {} },
          set: [{ file: 'values.yaml', key: 'image.tag', value: 'x' }],
        }),
      ).toContain('image.tag in values.yaml is where `edit` puts the version');
      expect(problems({ ...minimal, set: [{ file: 'sa.yaml', key: 'replicas', value: 3 }] })).toContain(
        '`set.value` must be a string',
      );
      expect(problems({ ...minimal, set: [{ file: 'sa.yaml', key: 'a.["b"]', value: 'x' }] })).toContain(
        '`set.key` must be keys separated by dots',
      );
      expect(problems({ ...minimal, set: { file: 'sa.yaml' } })).toContain('`set` must be a list');
    });

    it('names a misspelled setting and lists the accepted ones', () => {
      expect(problems({ ...minimal, brnach: 'main' })).toContain(
        'unknown setting `brnach`: in gitops mode a kubernetes component accepts mode, repo, branch',
      );
    });

    it('has the documented step defaults', () => {
      expect(kubernetesAdapter.step).toEqual({ timeoutMs: 1_800_000, retries: 2 });
    });
  });
});
