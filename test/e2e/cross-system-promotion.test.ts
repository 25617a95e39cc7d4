/**
 * One release across four kinds of system, driven only through the console's
 * JSON API: Terraform (the real binary, local state) publishes a queue URL and
 * a sensitive database password; SQL migrations run on the real PostgreSQL
 * with that password; the worker goes to the Lambda API stand-in and the api
 * to a real git remote, both carrying the queue URL. A later release whose
 * Lambda update fails is rolled back, and the test checks the systems
 * themselves: the PostgreSQL catalog, the git remote, the Terraform state.
 * A release that succeeded is rolled back later waves first, and within the
 * wave of Lambda and git the step that finished last first.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { AuditRecord } from '../../src/core/audit-record.ts';
import { useExampleCredentials } from '../adapters/lambda/lambda-world.ts';
import { TEST_PASSWORD, createTestDatabase, type TestDatabase } from '../adapters/sql-migrations/postgres.ts';
import { TERRAFORM, requireTerraform } from '../adapters/terraform/fixture.ts';
import { LambdaStandIn } from '../harness/lambda/lambda-stand-in.ts';
import { zipContent, type FunctionRecord } from '../harness/lambda/lambda-state.ts';
import { ignoreUserGitConfig, makeConfigRepository, type ConfigRepository } from '../support/config-repository.ts';
import { EVIDENCE_HEADERS } from '../support/api-tokens.ts';
import { buttonsOf, consoleClient, messageText, replyText, type ConsoleClient } from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';
import { AesOutputCipher, KEY_VARIABLE, parseKey } from '../../src/secrets-at-rest.ts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dev';
const BUCKET = 'acme-builds';
const REGION = 'eu-west-1';
const FUNCTION_NAME = 'report-worker';
const API_FOLDER = 'apps/api/dev';
const API_DEPLOYMENT = `${API_FOLDER}/deployment.yaml`;
const API_KUSTOMIZATION = `${API_FOLDER}/kustomization.yaml`;

/** Built-in resources only: nothing can be downloaded here. The password is new per state, like a generated one. */
const IAM_MODULE = `
variable "release" {
  type = string
}
variable "environment" {
  type = string
}
resource "terraform_data" "release" {
  input = var.release
}
resource "terraform_data" "queue" {
  input = "orders-\${var.environment}"
}
resource "terraform_data" "database_user" {
  input = var.environment
}
output "version" {
  value = terraform_data.release.output
}
output "queue_url" {
  value = "https://sqs.eu-west-1.amazonaws.com/123456789012/\${terraform_data.queue.output}"
}
output "db_password" {
  value     = "pw-\${terraform_data.database_user.id}"
  sensitive = true
}
`;

const MIGRATIONS: Record<string, string> = {
  '0001_create_orders.sql': 'CREATE TABLE orders (id bigserial PRIMARY KEY, total numeric NOT NULL);\n',
  '0001_create_orders.down.sql': 'DROP TABLE orders;\n',
  '0002_add_customers.sql': 'CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL);\n',
  '0002_add_customers.down.sql': 'DROP TABLE customers;\n',
};

const RELEASES: Record<string, Record<string, string>> = {
  '2026.12.1': { iam: '2026.12.1', schema: '0001', worker: '1.0.0', api: '1.0.0' },
  '2026.12.2': { iam: '2026.12.2', schema: '0002', worker: '2.0.0', api: '2.0.0' },
};

const API_FILES: Record<string, string> = {
  [API_KUSTOMIZATION]: `resources:
  - deployment.yaml
images:
  - name: ghcr.io/acme/api
    newTag: 0.9.0
`,
  [API_DEPLOYMENT]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api
          env:
            - name: QUEUE_URL
              value: "unset"
`,
};

/** The build's key in S3: the lambda settings carry no environment variables, so the queue reaches the function through its code location. */
function buildKey(version: string): string {
  return `${QUEUE_URL}/report-worker-${version}.zip`;
}

interface Systems {
  root: string;
  database: TestDatabase;
  lambda: LambdaStandIn;
  worker: FunctionRecord;
  git: ConfigRepository;
  restoreCredentials(): void;
}

function pipelineYaml(systems: Systems): string {
  const schemaUrl = systems.database.url.replace(TEST_PASSWORD, '${iam.outputs.db_password}');
  return `version: 1
environments:
  - name: dev
    channel: "#deploys"
components:
  iam:
    adapter: terraform
    with:
      dir: infra/iam
      binary: ${TERRAFORM}
      vars: { release: "\${version}", environment: "\${env}" }
      env: { TF_CLI_CONFIG_FILE: "${join(systems.root, 'terraform.rc')}", CHECKPOINT_DISABLE: "1" }
    outputs: [queue_url, db_password]
  schema:
    adapter: sql-migrations
    needs: [iam]
    with:
      dir: db/migrations
      url: "${schemaUrl}"
      lockTimeout: 5s
  worker:
    adapter: lambda
    needs: [iam, schema]
    with:
      function: ${FUNCTION_NAME}
      region: ${REGION}
      endpoint: ${systems.lambda.endpoint}
      code: { s3Bucket: ${BUCKET}, s3Key: "\${iam.outputs.queue_url}/report-worker-\${version}.zip" }
  api:
    adapter: kubernetes
    needs: [iam, schema]
    with:
      mode: gitops
      repo: ${systems.git.remote}
      path: ${API_FOLDER}
      edit: { kustomizeImage: { name: ghcr.io/acme/api } }
      set:
        - { file: deployment.yaml, key: "spec.template.spec.containers[0].env[0].value", value: "\${iam.outputs.queue_url}" }
`;
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

function releaseFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(RELEASES).map(([name, versions]) => [
      `releases/${name}.yaml`,
      `versions:\n${Object.entries(versions)
        .map(([component, version]) => `  ${component}: "${version}"`)
        .join('\n')}\n`,
    ]),
  );
}

async function startSystems(): Promise<Systems> {
  const root = await mkdtemp(join(tmpdir(), 'baton-cross-system-'));
  const database = await createTestDatabase();
  const lambda = await LambdaStandIn.start({ region: REGION });
  for (const versions of Object.values(RELEASES)) {
    const version = versions.worker ?? '';
    lambda.state.uploadBuild(BUCKET, buildKey(version), `PK zip of report-worker ${version}`);
  }
  const worker = lambda.state.createFunction(FUNCTION_NAME, 'Zip', zipContent('PK zip of report-worker 0.9.0'));
  const git = makeConfigRepository(API_FILES);
  const restoreCredentials = useExampleCredentials();
  // An empty CLI config: the worker's TF_CLI_CONFIG_FILE may name a file that does not exist, which Terraform warns about.
  await writeFiles(root, {
    'terraform.rc': '',
    'infra/iam/main.tf': IAM_MODULE,
    ...Object.fromEntries(Object.entries(MIGRATIONS).map(([name, sql]) => [`db/migrations/${name}`, sql])),
    ...releaseFiles(),
  });
  return { root, database, lambda, worker, git, restoreCredentials };
}

async function stopSystems(systems: Systems | undefined): Promise<void> {
  if (!systems) return;
  systems.restoreCredentials();
  await systems.lambda.close();
  await systems.database.drop();
  await systems.git.remove();
  await rm(systems.root, { recursive: true, force: true });
}

/** The component of each step event, in the order the audit log recorded them. */
function stepEvents(records: AuditRecord[], type: AuditRecord['type']): string[] {
  return records.filter((r) => r.type === type).map((r) => (r.stepId ?? '').split('.').at(-1) ?? '');
}

describe('a release across Terraform, PostgreSQL, Lambda and GitOps', () => {
  let systems: Systems | undefined;
  let started: StartedBaton | undefined;
  let chat: ConsoleClient;

  beforeAll(() => {
    requireTerraform();
    ignoreUserGitConfig();
  });

  beforeEach(async () => {
    systems = await startSystems();
    const configPath = join(systems.root, 'baton.yaml');
    await writeFile(configPath, pipelineYaml(systems));
    started = await startExampleBaton(configPath);
    chat = consoleClient(started.baton.url);
  });

  afterEach(async () => {
    await started?.stop();
    await stopSystems(systems);
    started = undefined;
    systems = undefined;
  });

  function running(): { app: StartedBaton; world: Systems } {
    if (!started || !systems) throw new Error('Baton and the systems were not started');
    return { app: started, world: systems };
  }

  async function promote(release: string): Promise<string> {
    const reply = await chat.command('alice', `/promote ${release} to dev`);
    const id = /promotion #(\d+)/.exec(replyText(reply))?.[1];
    if (!id) throw new Error(`no promotion was created: ${replyText(reply)}`);
    await running().app.baton.idle();
    return id;
  }

  async function audit(id: string): Promise<AuditRecord[]> {
    return running().app.baton.engine.store.readAudit(promotionStream(id));
  }

  /** The sensitive output's real value, which the store keeps encrypted for dependents. */
  async function databasePassword(): Promise<string> {
    const ledger = await running().app.baton.engine.store.getLedger('dev');
    const stored = ledger.iam?.outputs.db_password ?? '';
    expect(stored).toMatch(/^enc:v1:/);
    const key = process.env[KEY_VARIABLE] ?? '';
    const password = new AesOutputCipher({ bytes: parseKey(key, KEY_VARIABLE), source: KEY_VARIABLE }).decrypt(stored);
    expect(password).toMatch(/^pw-[0-9a-f-]{36}$/);
    return password;
  }

  /** Everything people can read: every console message and both forms of the evidence bundle. */
  async function everythingShown(
    id: string,
  ): Promise<{ messages: string; evidenceJson: string; evidenceMarkdown: string }> {
    const evidence = `${running().app.baton.url}/api/promotions/evidence?id=${id}`;
    return {
      messages: JSON.stringify(await chat.messages()),
      evidenceJson: await (await fetch(evidence, { headers: EVIDENCE_HEADERS })).text(),
      evidenceMarkdown: await (await fetch(`${evidence}&format=md`, { headers: EVIDENCE_HEADERS })).text(),
    };
  }

  async function tableExists(name: string): Promise<boolean> {
    const rows = await running().world.database.query<{ found: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS found',
      [name],
    );
    return rows[0]?.found === true;
  }

  async function terraformStateVersion(): Promise<string> {
    const state = join(running().world.root, 'infra/iam/terraform.tfstate.d/dev/terraform.tfstate');
    const parsed = JSON.parse(await readFile(state, 'utf8')) as { outputs: Record<string, { value: unknown }> };
    return String(parsed.outputs.version?.value);
  }

  it(
    'runs the steps in needs order, hands the queue URL to Lambda and git, and never shows the password',
    { timeout: 120_000 },
    async () => {
      const id = await promote('2026.12.1');
      const { world } = running();
      const root = await chat.promotionMessage(id);
      expect(root.message.text).toContain('succeeded');

      const records = await audit(id);
      const succeeded = stepEvents(records, 'step.succeeded');
      const startedSteps = stepEvents(records, 'step.started');
      expect(succeeded.slice(0, 2)).toEqual(['iam', 'schema']);
      expect(succeeded.slice(2).sort()).toEqual(['api', 'worker']);
      expect(startedSteps.slice(0, 2)).toEqual(['iam', 'schema']);
      const after = (first: string, then: string) =>
        records.findIndex((r) => r.type === 'step.succeeded' && r.stepId === `${id}.${first}`) <
        records.findIndex((r) => r.type === 'step.started' && r.stepId === `${id}.${then}`);
      expect(after('iam', 'schema')).toBe(true);
      expect(after('schema', 'worker')).toBe(true);
      expect(after('schema', 'api')).toBe(true);

      expect(await tableExists('orders')).toBe(true);
      const codeUpdates = world.lambda.requests.filter((r) => r.operation === 'UpdateFunctionCode');
      expect(codeUpdates.map((r) => r.body.S3Key)).toEqual([`${QUEUE_URL}/report-worker-1.0.0.zip`]);
      expect(world.worker.aliases.get('dev')?.functionVersion).toBe('1');
      expect(world.git.fileOnRemote(API_DEPLOYMENT)).toContain(`value: "${QUEUE_URL}"`);
      expect(world.git.fileOnRemote(API_KUSTOMIZATION)).toContain('newTag: 1.0.0');

      const password = await databasePassword();
      const shown = await everythingShown(id);
      for (const text of Object.values(shown)) expect(text).not.toContain(password);
      const thread = root.thread.map((reply) => messageText(reply.message)).join('\n');
      expect(thread).toContain('db_password: ***');
      expect(thread).toContain(`queue_url: ${QUEUE_URL}`);
      expect(shown.evidenceMarkdown).toContain('db_password = ***');
      expect(shown.evidenceMarkdown).toContain(`queue_url = ${QUEUE_URL}`);
    },
  );

  it(
    'rolls a failed release back on PostgreSQL and git, and keeps the Terraform change',
    { timeout: 180_000 },
    async () => {
      await promote('2026.12.1');
      const { world } = running();
      const firstDeployment = world.git.fileOnRemote(API_DEPLOYMENT);
      const firstKustomization = world.git.fileOnRemote(API_KUSTOMIZATION);
      world.worker.nextUpdateFailure = {
        reasonCode: 'InvalidZipFileException',
        reason: 'Could not unzip uploaded file. Please check your file, then try to upload again.',
      };

      const id = await promote('2026.12.2');
      const failed = await chat.promotionMessage(id);
      expect(failed.message.text).toContain('failed');
      const failedThread = failed.thread.map((reply) => messageText(reply.message)).join('\n');
      expect(failedThread).toContain('InvalidZipFileException: Could not unzip uploaded file');
      expect(buttonsOf(failed.message).some((b) => b.actionId === 'rollback')).toBe(true);
      expect(await tableExists('customers')).toBe(true);
      expect(world.git.fileOnRemote(API_KUSTOMIZATION)).toContain('newTag: 2.0.0');
      const commitsBeforeRollback = world.git.commits();

      expect(replyText(await chat.click('bob', 'rollback', id))).toContain(`Rolling back promotion #${id}`);
      await running().app.baton.idle();
      const rolledBack = await chat.promotionMessage(id);
      expect(rolledBack.message.text).toContain('rolled back');
      const thread = rolledBack.thread.map((reply) => messageText(reply.message)).join('\n');
      expect(thread).toContain('iam 2026.12.2 is irreversible: left as it is.');
      expect(thread).toMatch(/rolled back; iam is irreversible and kept/);

      // PostgreSQL: the down migration ran; the first release's schema is what is left.
      expect(await tableExists('customers')).toBe(false);
      expect(await tableExists('orders')).toBe(true);
      const applied = await world.database.query<{ name: string }>(
        'SELECT name FROM public.baton_migrations ORDER BY name',
      );
      expect(applied.map((row) => row.name)).toEqual(['0001_create_orders']);

      // git: a new commit on top puts the first release's files back; history is not rewritten.
      const commits = world.git.commits();
      expect(commits.slice(1)).toEqual(commitsBeforeRollback);
      expect(world.git.message(commits[0] ?? '')).toContain('Roll back api to 1.0.0');
      expect(world.git.fileOnRemote(API_KUSTOMIZATION)).toBe(firstKustomization);
      expect(world.git.fileOnRemote(API_DEPLOYMENT)).toBe(firstDeployment);

      // Terraform has no undo: its state still holds the second release. Lambda never left version 1.
      expect(await terraformStateVersion()).toBe('2026.12.2');
      expect(world.worker.aliases.get('dev')?.functionVersion).toBe('1');
      const ledger = await running().app.baton.engine.store.getLedger('dev');
      expect(ledger.iam?.version).toBe('2026.12.2');
      expect(ledger.schema?.version).toBe('0001');
      expect(ledger.api?.version).toBe('1.0.0');

      const password = await databasePassword();
      for (const text of Object.values(await everythingShown(id))) expect(text).not.toContain(password);
    },
  );

  it(
    'rolls back later waves first, and within a wave the step that finished last first',
    { timeout: 180_000 },
    async () => {
      const { app, world } = running();
      const store = app.baton.engine.store;
      const pushGate = join(world.root, 'api-may-push');
      await promote('2026.12.1');

      /** Waits, within reason, until `done` says so. */
      async function until(what: string, done: () => Promise<boolean>): Promise<void> {
        const deadline = Date.now() + 60_000;
        while (!(await done())) {
          if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }

      /**
       * Promotes 2026.12.2 with `last` held back until the other step of its wave has finished — Lambda keeps the
       * worker's code update in progress, a pre-receive hook holds the api's push — then rolls it back, and says
       * in what order the steps were undone.
       */
      async function promoteAndRollBack(
        last: 'worker' | 'api',
      ): Promise<{ undone: string[]; finishedLast: string; startedFirst: string }> {
        const other = last === 'worker' ? 'api' : 'worker';
        await rm(pushGate, { force: true });
        world.lambda.updateDurationMs = last === 'worker' ? 600_000 : 150;
        world.git.hook('pre-receive', last === 'api' ? `while [ ! -e "${pushGate}" ]; do sleep 0.05; done` : 'exit 0');
        const reply = replyText(await chat.command('alice', '/promote 2026.12.2 to dev'));
        const id = /promotion #(\d+)/.exec(reply)?.[1] ?? '';
        const stepOf = async (component: string) =>
          (await store.getPromotion(id))?.steps.find((s) => s.component === component);
        await until(
          `${other} to finish`,
          async () =>
            (await stepOf(other))?.status === 'succeeded' &&
            (last === 'api' || world.worker.finishUpdate !== undefined),
        );
        expect((await stepOf(last))?.status).toBe('running');
        if (last === 'worker') world.worker.finishUpdate?.();
        else await writeFile(pushGate, '');
        await app.baton.idle();
        world.lambda.updateDurationMs = 150;

        const promotion = await store.getPromotion(id);
        expect({ state: promotion?.state, reason: promotion?.reason }).toEqual({
          state: 'succeeded',
          reason: undefined,
        });
        // Stable sorts: steps that started in the same millisecond stay in the order the pipeline lists them.
        const wave = (promotion?.steps ?? []).filter((s) => s.component === 'worker' || s.component === 'api');
        const by = (key: 'startedAt' | 'finishedAt') =>
          [...wave].sort((a, b) => (a[key] ?? '').localeCompare(b[key] ?? '')).map((s) => s.component);

        expect(replyText(await chat.command('bob', `/promote rollback ${id}`))).toContain(
          `Rolling back promotion #${id}`,
        );
        await app.baton.idle();
        expect((await chat.promotionMessage(id)).message.text).toContain('rolled back');
        const records = await audit(id);
        expect(stepEvents(records, 'step.rollback_skipped')).toEqual(['iam']);
        const undone = stepEvents(records, 'step.rolled_back');
        expect(undone.slice(0, 2)).toEqual(by('finishedAt').reverse());
        return { undone, finishedLast: by('finishedAt').at(-1) ?? '', startedFirst: by('startedAt')[0] ?? '' };
      }

      const workerLast = await promoteAndRollBack('worker');
      expect(workerLast.finishedLast).toBe('worker');
      expect(workerLast.undone).toEqual(['worker', 'api', 'schema']);

      const apiLast = await promoteAndRollBack('api');
      expect(apiLast.finishedLast).toBe('api');
      expect(apiLast.undone).toEqual(['api', 'worker', 'schema']);

      // Both finishing orders were seen with the same start order, so neither an order by name nor one by start time could pass both.
      expect(apiLast.startedFirst).toBe(workerLast.startedFirst);
      expect(world.git.fileOnRemote(API_KUSTOMIZATION)).toContain('newTag: 1.0.0');
      expect(world.worker.aliases.get('dev')?.functionVersion).toBe('1');
      expect(await tableExists('customers')).toBe(false);
      expect(await tableExists('orders')).toBe(true);
    },
  );
});
