/**
 * Live drift through the console on real targets: a script component whose
 * state file is edited by hand, and the kubernetes adapter in gitops mode
 * whose overlay a colleague changes in git — both behind Baton's back. The
 * drift command and diff mark them; the scheduled check posts to the channel
 * once when drift appears and once when it clears, however often it runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleClient, replyText, type ConsoleClient } from '../support/console-client.ts';
import { ignoreUserGitConfig, makeConfigRepository, type ConfigRepository } from '../support/config-repository.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('../../config/example/worker.mjs', import.meta.url));
const HOUR = 3_600_000;

function overlay(environment: string, tag: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${environment}
resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    newTag: ${tag}
`;
}

const DEPLOY_REPOSITORY: Record<string, string> = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:0.0.0\n',
  'overlays/dev/kustomization.yaml': overlay('dev', '1.0.0'),
  'overlays/staging/kustomization.yaml': overlay('staging', '1.0.0'),
};

function pipelineConfig(remote: string): string {
  return `version: 1
environments:
  - name: dev
    channel: "#deploys"
  - name: staging
    channel: "#deploys"
    drift: { every: 1h }
components:
  worker:
    adapter: script
    with:
      apply: [node, ${JSON.stringify(WORKER_SCRIPT)}, deploy]
      current: [node, ${JSON.stringify(WORKER_SCRIPT)}, current]
      rollback: [node, ${JSON.stringify(WORKER_SCRIPT)}, rollback]
  api:
    adapter: kubernetes
    with:
      mode: gitops
      repo: ${JSON.stringify(remote)}
      path: "overlays/\${env}"
      edit:
        kustomizeImage: { name: ghcr.io/acme/api }
      author: { name: Baton, email: baton@acme.test }
`;
}

describe('live drift on real targets', () => {
  let repo: ConfigRepository;
  let started: StartedBaton;
  let chat: ConsoleClient;

  beforeAll(ignoreUserGitConfig);

  beforeEach(async () => {
    repo = makeConfigRepository(DEPLOY_REPOSITORY);
    const configDir = join(repo.root, 'baton');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'baton.yaml'), pipelineConfig(repo.remote));
    started = await startExampleBaton(join(configDir, 'baton.yaml'), undefined, { reconcileIntervalMs: 50 });
    chat = consoleClient(started.baton.url);
    await chat.command('alice', '/promote api=1.5.0 worker=1.5.0 to staging');
    await started.baton.idle();
  });

  afterEach(async () => {
    await started.stop();
    await repo.remove();
  });

  /** Someone changes the worker by hand on its host: the script target's own state file. */
  function setWorkerByHand(version: string): void {
    writeFileSync(join(started.dataDir, 'work', 'worker', 'staging.json'), `${JSON.stringify({ version })}\n`);
  }

  async function driftPosts(): Promise<string[]> {
    return (await chat.messages('#deploys'))
      .map((m) => m.message.text)
      .filter((text) => text.startsWith('Drift in staging'));
  }

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Moves the clock past the check's period and gives the bot's timer time to run it. */
  async function hourPasses(): Promise<void> {
    started.clock.advance(HOUR);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  }

  it("finds a script target and a gitops file changed behind Baton's back, marks them in diff, and clears when they are put back", async () => {
    const clean = replyText(await chat.command('carol', '/promote drift staging'));
    expect(clean).toContain('staging runs what Baton promoted.');
    expect(clean).toContain('worker: runs 1.5.0 as Baton promoted it (#1)');
    expect(clean).toContain('api: runs 1.5.0 as Baton promoted it (#1)');

    setWorkerByHand('1.5.1-hotfix');
    repo.pushAsColleague(
      { 'overlays/staging/kustomization.yaml': overlay('staging', '1.4.9') },
      'Roll staging back by hand',
    );
    const drifted = replyText(await chat.command('carol', '/promote drift staging'));
    expect(drifted).toContain('staging has drifted: 2 targets run something else than Baton promoted.');
    expect(drifted).toContain('worker: Baton promoted 1.5.0 (#1, by alice); the target runs 1.5.1-hotfix');
    expect(drifted).toContain('api: Baton promoted 1.5.0 (#1, by alice); the target runs 1.4.9');

    const diff = replyText(await chat.command('carol', '/promote diff dev staging'));
    expect(diff).toContain("`worker` — ≠ 1.5.0 · staging's target runs 1.5.1-hotfix (drift)");
    expect(diff).toContain("`api` — ≠ 1.5.0 · staging's target runs 1.4.9 (drift)");

    setWorkerByHand('1.5.0');
    repo.pushAsColleague({ 'overlays/staging/kustomization.yaml': overlay('staging', '1.5.0') }, 'Put staging back');
    expect(replyText(await chat.command('carol', '/promote drift staging'))).toContain(
      'staging runs what Baton promoted.',
    );
    expect(replyText(await chat.command('carol', '/promote diff dev staging'))).not.toContain('drift)');
    // dev runs an api Baton never promoted: shown, but not as drift.
    expect(replyText(await chat.command('carol', '/promote drift dev'))).toContain(
      'api: Baton has promoted nothing here; the target runs 1.0.0',
    );
  });

  it('posts to the channel once when drift appears and once when it clears, not at every scheduled check', async () => {
    await hourPasses();
    expect(await driftPosts()).toEqual([]);

    setWorkerByHand('1.5.1-hotfix');
    repo.pushAsColleague(
      { 'overlays/staging/kustomization.yaml': overlay('staging', '1.4.9') },
      'Roll staging back by hand',
    );
    started.clock.advance(HOUR);
    await until('the drift post', async () => (await driftPosts()).length > 0);
    await hourPasses();
    await hourPasses();
    expect(await driftPosts()).toEqual([
      'Drift in staging: 2 targets run something else than Baton promoted.\n• worker: Baton promoted 1.5.0 (#1, by alice); the target runs 1.5.1-hotfix\n• api: Baton promoted 1.5.0 (#1, by alice); the target runs 1.4.9\n/promote drift staging shows every component.',
    ]);

    setWorkerByHand('1.5.0');
    repo.pushAsColleague({ 'overlays/staging/kustomization.yaml': overlay('staging', '1.5.0') }, 'Put staging back');
    started.clock.advance(HOUR);
    await until('the all-clear', async () => (await driftPosts()).length > 1);
    await hourPasses();
    await hourPasses();
    const posts = await driftPosts();
    expect(posts).toHaveLength(2);
    expect(posts[1]).toBe('Drift in staging cleared: every target Baton could read runs what Baton promoted.');
  });
});
