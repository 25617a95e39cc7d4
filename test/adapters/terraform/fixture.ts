/**
 * Small Terraform modules for the terraform adapter's tests, run by the real
 * `terraform` binary. Nothing can be downloaded here, so the modules use only
 * what is built in: `terraform_data`, `local-exec` provisioners and local state.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { terraformConfigSchema, type TerraformConfig } from '../../../adapters/terraform/schema.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';

export const TERRAFORM = '/usr/local/bin/terraform';

let terraformProblem: string | null | undefined;

function findTerraformProblem(): string | null {
  const missing = `The terraform adapter's tests run the real Terraform: install terraform 1.11 at /usr/local/bin (${TERRAFORM}), e.g. from https://releases.hashicorp.com/terraform/1.11.4/.`;
  if (!existsSync(TERRAFORM)) return missing;
  try {
    execFileSync(TERRAFORM, ['version'], { stdio: 'ignore', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    return null;
  } catch (error) {
    return `${missing} Running it failed: ${String(error)}`;
  }
}

/** Fails each test, saying how to get the binary, when Terraform is not installed. */
export function requireTerraform(): void {
  terraformProblem ??= findTerraformProblem();
  if (terraformProblem !== null) throw new Error(terraformProblem);
}

/** One `terraform_data` whose input is the release; `version` tells Baton what runs. */
export const VERSIONED_MODULE = `
variable "release" {
  type = string
}
variable "image" {
  type    = string
  default = ""
}
resource "terraform_data" "release" {
  input = var.release
}
output "version" {
  value = terraform_data.release.output
}
output "image" {
  value = var.image
}
`;

/** The same, without a `version` output: Baton cannot tell what runs. */
export const UNVERSIONED_MODULE = `
variable "release" {
  type = string
}
resource "terraform_data" "release" {
  input = var.release
}
output "release_id" {
  value = terraform_data.release.id
}
`;

/** Resources that a change of variables creates, updates, replaces and destroys. */
export const RESOURCES_MODULE = `
variable "release" {
  type = string
}
variable "keep_old" {
  type    = bool
  default = true
}
variable "with_extra" {
  type    = bool
  default = false
}
variable "cache_key" {
  type    = string
  default = "a"
}
resource "terraform_data" "app" {
  input = var.release
}
resource "terraform_data" "old" {
  count = var.keep_old ? 1 : 0
  input = "old"
}
resource "terraform_data" "extra" {
  count = var.with_extra ? 1 : 0
  input = "extra"
}
resource "terraform_data" "cache" {
  triggers_replace = var.cache_key
}
output "version" {
  value = var.release
}
`;

/**
 * A deploy that runs a command: each run appends a line to runs.log in the
 * module folder, so a test can count how often it really ran.
 */
export const PROVISIONER_MODULE = `
variable "release" {
  type = string
}
variable "fail" {
  type    = bool
  default = false
}
variable "sleep_seconds" {
  type    = number
  default = 0
}
variable "note" {
  type    = string
  default = ""
}
resource "terraform_data" "deploy" {
  triggers_replace = var.release
  provisioner "local-exec" {
    command = "sleep \${var.sleep_seconds}; echo deployed \${var.release} >> runs.log; \${var.fail ? "echo '\${var.note}migration 42 failed: table locked' >&2; exit 1" : "true"}"
  }
}
output "version" {
  value = var.release
}
`;

/** Outputs of every kind, one of them sensitive. */
export const OUTPUTS_MODULE = `
variable "release" {
  type = string
}
resource "terraform_data" "database" {
  input = var.release
}
output "version" {
  value = terraform_data.database.output
}
output "password" {
  value     = "pw-\${var.release}-hunter2"
  sensitive = true
}
output "endpoint" {
  value = "https://db-\${var.release}.internal:5432"
}
output "settings" {
  value = { replicas = 3, tags = ["blue", "green"] }
}
output "replicas" {
  value = 3
}
output "public" {
  value = false
}
`;

export interface TerraformFixture {
  /** The config folder: the module is in `module/`, the work folder in `work/`. */
  root: string;
  moduleDir: string;
  workDir: string;
  /** Settings as the core passes them: parsed, so defaults are filled in. */
  config(settings?: Partial<TerraformConfig>): TerraformConfig;
  context(
    settings?: Partial<TerraformConfig>,
    overrides?: Partial<AdapterContext<TerraformConfig>>,
  ): TestAdapterContext<TerraformConfig>;
  /** Lines of runs.log, written by PROVISIONER_MODULE each time its command runs. */
  runs(): Promise<string[]>;
  remove(): Promise<void>;
}

export async function makeFixture(moduleSource: string): Promise<TerraformFixture> {
  const root = await mkdtemp(join(tmpdir(), 'baton-terraform-'));
  const moduleDir = join(root, 'module');
  const workDir = join(root, 'work');
  await mkdir(moduleDir);
  await writeFile(join(moduleDir, 'main.tf'), moduleSource);
  // An empty CLI config: the worker's TF_CLI_CONFIG_FILE may name a file that does not exist, which Terraform warns about.
  const cliConfig = join(root, 'terraform.rc');
  await writeFile(cliConfig, '');
  const config = (settings: Partial<TerraformConfig> = {}): TerraformConfig =>
    terraformConfigSchema.parse({
      dir: 'module',
      binary: TERRAFORM,
      vars: { release: '2.0.0' },
      env: { TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1' },
      ...settings,
    });
  return {
    root,
    moduleDir,
    workDir,
    config,
    context: (settings, overrides = {}) =>
      makeAdapterContext<TerraformConfig>({
        config: config(settings),
        configDir: root,
        workDir,
        environment: 'dev',
        version: '2.0.0',
        previousVersion: '1.0.0',
        ...overrides,
      }),
    runs: async () => {
      const text = await readFile(join(moduleDir, 'runs.log'), 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '');
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** The error a promise rejects with; fails when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the promise to reject with an Error');
  return error;
}
