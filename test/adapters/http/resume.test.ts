/**
 * One step, one run: attempts of a step share its id and work folder, and the
 * adapter must never start a second run for it, whether the first attempt
 * finished, crashed while polling, or died while sending the trigger.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { httpAdapter } from '../../../adapters/http/index.ts';
import { triggerRequest } from '../../../adapters/http/trigger-request.ts';
import { writeTriggerRecord } from '../../../adapters/http/trigger-record.ts';
import { deploySettings, makeWorkspace, type Workspace } from './fixture.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./apply-in-child.ts', import.meta.url));

let workspace: Workspace | undefined;

afterEach(async () => {
  await workspace?.remove();
  workspace = undefined;
});

/** Starts `apply` in another process and SIGKILLs it once it logs a line matching `killWhen`. */
function applyUntilKilled(settings: unknown, ws: Workspace, killWhen: RegExp): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(settings), ws.workDir, ws.stepId], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (killWhen.test(line)) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(lines);
      else {
        reject(
          new Error(
            `the child apply was not killed mid-poll (it logged: ${lines.join(' | ')}; stderr: ${stderr}). ` +
              'It runs TypeScript through tsx: run `npm ci` so node_modules/tsx exists.',
          ),
        );
      }
    });
  });
}

describe('resuming a step', () => {
  it('apply again with the same step id follows the first run instead of triggering another', async () => {
    workspace = await makeWorkspace();
    const first = await httpAdapter.apply(workspace.context(deploySettings(workspace.server)));
    const again = workspace.context(deploySettings(workspace.server));
    const second = await httpAdapter.apply(again);
    expect(second.outputs).toEqual(first.outputs);
    expect(workspace.server.startedRuns()).toBe(1);
    expect(workspace.server.requests.filter((request) => request.route === 'dispatch')).toHaveLength(1);
    expect(again.logged[0]).toContain("api's pipeline was already triggered by an earlier attempt of this step");
  });

  it('after a worker is killed mid-poll, the next attempt resumes polling the same run', async () => {
    // Runs long enough for the child to be killed while the run is still going.
    workspace = await makeWorkspace({ queuedMs: 200, runningMs: 4_000 });
    const settings = deploySettings(workspace.server);
    const childLog = await applyUntilKilled(settings, workspace, /\$\.conclusion was null/);
    expect(childLog.some((line) => line.includes('answered 201 Created'))).toBe(true);
    expect(workspace.server.runs[0]?.status).not.toBe('completed');

    const ctx = workspace.context(settings);
    const result = await httpAdapter.apply(ctx);
    expect(result.outputs.run_id).toBe('1');
    expect(result.summary).toContain('(to an earlier attempt of this step)');
    expect(workspace.server.startedRuns()).toBe(1);
    expect(workspace.server.requests.filter((request) => request.route === 'dispatch')).toHaveLength(1);
    expect(workspace.server.deployedVersion('dev')).toBe('2.0.0');
  }, 20_000);

  it('when an attempt died while sending, sends again with the same Idempotency-Key and the stand-in replays its run', async () => {
    workspace = await makeWorkspace();
    const ctx = workspace.context(deploySettings(workspace.server));
    // The first attempt's request arrived and started run 1, but the worker died before it read the answer.
    const lost = triggerRequest(ctx.config.trigger, ctx.stepId);
    await fetch(lost.url, { method: lost.method, headers: lost.headers, body: lost.body });
    await writeTriggerRecord(ctx.workDir, {
      state: 'sending',
      idempotencyKey: ctx.stepId,
      sentAt: new Date().toISOString(),
    });

    const result = await httpAdapter.apply(ctx);
    expect(result.outputs.run_id).toBe('1');
    expect(workspace.server.startedRuns()).toBe(1);
    expect(ctx.logged[0]).toContain('stopped while sending the trigger');
    expect(ctx.logged[0]).toContain(`same Idempotency-Key (${ctx.stepId})`);
  });
});
