/**
 * Makes a plan file and reads it back as a preview. `plan()` saves one per
 * step id for approval; `apply()` applies exactly that file, so what runs is
 * what people approved.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../../src/errors.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { requireExit } from './failures.ts';
import { savedPlanSchema, summarizePlan, type PlanSummary } from './plan-summary.ts';
import { describeStep, type TerraformSession } from './session.ts';
import { runTerraform } from './terraform-process.ts';

export interface MadePlan extends PlanSummary {
  /** `-detailed-exitcode` said 2: applying the plan would change something. */
  changes: boolean;
}

function variableFiles(session: TerraformSession): string[] {
  return (session.ctx.config.varFiles ?? []).map((file) => resolve(session.ctx.configDir, file));
}

async function checkVariableFiles(session: TerraformSession): Promise<void> {
  for (const file of variableFiles(session)) {
    const found = await stat(file).catch(() => undefined);
    if (found?.isFile()) continue;
    throw new TerminalStepError(
      session.ctx.redact(
        `The variables file ${file} named in \`varFiles\` of ${session.ctx.component} does not exist. ` +
          `Paths in \`varFiles\` are relative to the config folder ${session.ctx.configDir}: fix the path, or remove it.`,
      ),
    );
  }
}

/** Files first, then single values, so `vars` win over files as `-var` does on the command line. */
function variableArguments(session: TerraformSession, vars: Record<string, string>): string[] {
  return [
    ...variableFiles(session).map((file) => `-var-file=${file}`),
    ...Object.entries(vars).map(([name, value]) => `-var=${name}=${value}`),
  ];
}

/** A hash, not the settings: they may hold secrets, and the file stays on disk. */
function settingsFingerprint(session: TerraformSession): string {
  const { config } = session.ctx;
  const sorted = (map: Record<string, string> | undefined) =>
    Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const settings = JSON.stringify([
    session.binary,
    session.moduleDir,
    session.workspace,
    sorted(config.vars),
    variableFiles(session),
    sorted(config.backendConfig),
  ]);
  return createHash('sha256').update(settings).digest('hex');
}

function readPlan(session: TerraformSession, stdout: readonly string[]) {
  try {
    return savedPlanSchema.parse(JSON.parse(stdout.join('\n')));
  } catch (error) {
    // Not quoted: a plan's JSON holds every variable value, secrets included.
    throw new TerminalStepError(
      session.ctx.redact(
        `\`${session.binary} show -json\` (${describeStep(session)}) printed something that is not the plan JSON Terraform documents ` +
          `(${error instanceof z.ZodError ? 'unexpected shape' : errorMessage(error)}). ` +
          'Check that `binary` is Terraform 1.x or OpenTofu, then request the promotion again.',
      ),
    );
  }
}

export async function makePlan(
  session: TerraformSession,
  vars: Record<string, string>,
  planFile: string,
): Promise<MadePlan> {
  await checkVariableFiles(session);
  const planned = requireExit(
    session,
    await runTerraform(
      session,
      [
        'plan',
        '-input=false',
        '-no-color',
        '-json',
        `-lock-timeout=${session.lockTimeout}`,
        '-detailed-exitcode',
        `-out=${planFile}`,
        ...variableArguments(session, vars),
      ],
      'machine',
    ),
    [0, 2],
  );
  // The plan file holds every variable value, secrets included.
  await chmod(planFile, 0o600);
  const shown = requireExit(session, await runTerraform(session, ['show', '-json', '-no-color', planFile], 'quiet'));
  const changes = planned.exitCode === 2;
  return { changes, ...summarizePlan(readPlan(session, shown.stdout), session.workspace, changes) };
}

/** The plan `apply()` will apply for this step id, with the settings it was made with. */
export async function savePlanForApproval(session: TerraformSession): Promise<MadePlan> {
  const made = await makePlan(session, session.ctx.config.vars ?? {}, session.files.plan);
  await writeFile(session.files.planSettings, settingsFingerprint(session), { mode: 0o600 });
  return made;
}

/**
 * Why the saved plan of this step cannot be applied as approved, or null when
 * it can. Settings differ when they held placeholders for outputs of steps
 * that had not run when the plan was made.
 */
export async function savedPlanProblem(session: TerraformSession): Promise<string | null> {
  const plan = await stat(session.files.plan).catch(() => undefined);
  if (!plan?.isFile()) return 'no saved plan for this step on this worker';
  const fingerprint = await readFile(session.files.planSettings, 'utf8').catch(() => '');
  if (fingerprint !== settingsFingerprint(session)) {
    return "the component's settings differ from those the saved plan was made with (e.g. outputs of needed steps are known now)";
  }
  return null;
}
