/**
 * Prepares the step's data folder (`terraform init`) and picks the workspace
 * of the environment, creating it when a change is about to be made there.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { requireExit } from './failures.ts';
import type { TerraformSession } from './session.ts';
import { runTerraform } from './terraform-process.ts';

async function initialize(session: TerraformSession): Promise<void> {
  // Without input, init fails when the workspace selected last time is gone; it is selected again after init.
  await rm(join(session.dataDir, 'environment'), { force: true });
  const backendArguments = Object.entries(session.ctx.config.backendConfig ?? {}).map(
    ([key, value]) => `-backend-config=${key}=${value}`,
  );
  // -reconfigure: the data folder is Baton's own, so a changed backend setting is taken as it is, never migrated.
  const args = ['init', '-input=false', '-no-color', '-reconfigure', `-lock-timeout=${session.lockTimeout}`];
  requireExit(session, await runTerraform(session, [...args, ...backendArguments], 'text'));
}

/** Initializes and selects the workspace, creating it if needed: for plans and applies. */
export async function prepareWorkspace(session: TerraformSession): Promise<void> {
  await initialize(session);
  requireExit(
    session,
    await runTerraform(session, ['workspace', 'select', '-no-color', '-or-create=true', session.workspace], 'text'),
  );
}

/** `workspace list` marks the selected one with `*`. */
function workspaceNames(lines: readonly string[]): string[] {
  return lines.map((line) => line.replace(/^\s*\*?\s*/, '').trim()).filter((name) => name !== '');
}

/**
 * Initializes and selects the workspace when it exists: for reading what runs,
 * which must not create anything. Returns false when there is no such workspace.
 */
export async function openExistingWorkspace(session: TerraformSession): Promise<boolean> {
  await initialize(session);
  const listed = requireExit(session, await runTerraform(session, ['workspace', 'list', '-no-color'], 'quiet'));
  if (!workspaceNames(listed.stdout).includes(session.workspace)) return false;
  requireExit(session, await runTerraform(session, ['workspace', 'select', '-no-color', session.workspace], 'text'));
  return true;
}
