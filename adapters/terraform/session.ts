/**
 * Everything one adapter call needs to run Terraform for a step: the module
 * folder, the workspace, a data folder of its own, and the files it keeps per
 * step id in the work folder.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AdapterContext } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { TerraformConfig } from './schema.ts';

export type TerraformContext = AdapterContext<TerraformConfig>;

/** Files kept in the work folder for one step id. */
export interface StepFiles {
  /** The plan `plan()` saved for approval, applied as it is by `apply()`. */
  plan: string;
  /** A hash of the settings the saved plan was made with. */
  planSettings: string;
  /** Written before `terraform apply` starts: a later attempt then knows one began. */
  applying: string;
  /** Written after `terraform apply` succeeded: a later attempt only reads the outputs. */
  applied: string;
  /** The plan a rollback makes and applies at once. */
  rollbackPlan: string;
  /** A plan made only to see whether anything is left to change. */
  checkPlan: string;
}

/** The adapter call a session serves, named in messages. */
export type StepAction = 'current' | 'plan' | 'apply' | 'rollback';

export interface TerraformSession {
  ctx: TerraformContext;
  action: StepAction;
  binary: string;
  moduleDir: string;
  workspace: string;
  /** `TF_DATA_DIR`: per module and workspace, so environments never share `.terraform`. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  lockTimeout: string;
  files: StepFiles;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** A file name for any step id or workspace name, distinct for distinct inputs. */
function fileNameFor(text: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(text)) return text;
  return `${text.replace(/[^A-Za-z0-9_-]/g, '_')}-${shortHash(text)}`;
}

function stepFiles(workDir: string, stepId: string): StepFiles {
  const base = join(workDir, fileNameFor(stepId));
  return {
    plan: `${base}.tfplan`,
    planSettings: `${base}.tfplan.settings`,
    applying: `${base}.applying`,
    applied: `${base}.applied`,
    rollbackPlan: `${base}.rollback.tfplan`,
    checkPlan: `${base}.check.tfplan`,
  };
}

async function moduleFolder(ctx: TerraformContext): Promise<string> {
  const folder = resolve(ctx.configDir, ctx.config.dir);
  const found = await stat(folder).catch(() => undefined);
  if (!found?.isDirectory()) {
    throw new TerminalStepError(
      ctx.redact(
        `The Terraform module folder ${folder} of ${ctx.component} does not exist or is not a folder. ` +
          `\`dir\` is relative to the config folder ${ctx.configDir}: fix it so that it names the folder holding the module's .tf files.`,
      ),
    );
  }
  return folder;
}

function environmentFor(ctx: TerraformContext, dataDir: string): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  // A worker started with these would silently point every step at one workspace or data folder.
  delete inherited.TF_WORKSPACE;
  delete inherited.TF_DATA_DIR;
  return {
    ...inherited,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    ...ctx.config.env,
    TF_DATA_DIR: dataDir,
  };
}

export async function openSession(ctx: TerraformContext, action: StepAction): Promise<TerraformSession> {
  const moduleDir = await moduleFolder(ctx);
  const workspace = ctx.config.workspace ?? ctx.environment;
  const dataDir = join(ctx.workDir, 'terraform-data', `${fileNameFor(workspace)}-${shortHash(moduleDir)}`);
  await mkdir(dataDir, { recursive: true });
  return {
    ctx,
    action,
    binary: ctx.config.binary,
    moduleDir,
    workspace,
    dataDir,
    env: environmentFor(ctx, dataDir),
    lockTimeout: ctx.config.lockTimeout,
    files: stepFiles(ctx.workDir, ctx.stepId),
  };
}

/** "plan of iam in production, workspace production": what a command was run for, in messages. */
export function describeStep(session: TerraformSession): string {
  return `${session.action} of ${session.ctx.component} in ${session.ctx.environment}, workspace ${session.workspace}`;
}
