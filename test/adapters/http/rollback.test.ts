/** Rollback: another trigger (and poll) for the version that ran before, filled in as {{rollbackTo}}. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpAdapter } from '../../../adapters/http/index.ts';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { deploySettings, failure, makeWorkspace, type Workspace } from './fixture.ts';

let workspace: Workspace;

beforeEach(async () => {
  workspace = await makeWorkspace();
});

afterEach(async () => {
  await workspace.remove();
});

function rollback(settings: unknown, version: string | null) {
  const ctx = workspace.context(settings);
  return { ctx, result: Promise.resolve(httpAdapter.rollback?.(ctx, { version })) };
}

describe('rollback', () => {
  it('triggers the rollback pipeline for the version that ran before, under a key of its own', async () => {
    const settings = deploySettings(workspace.server);
    await httpAdapter.apply(workspace.context(settings));
    expect(workspace.server.deployedVersion('dev')).toBe('2.0.0');

    const { ctx, result } = rollback(settings, '1.0.0');
    const rolledBack = await result;
    expect(rolledBack?.summary).toMatch(/^rolled back to 1\.0\.0: api's rollback pipeline succeeded: /);
    expect(workspace.server.deployedVersion('dev')).toBe('1.0.0');
    const [, rollbackDispatch] = workspace.server.requests.filter((request) => request.route === 'dispatch');
    expect(JSON.parse(rollbackDispatch?.body ?? '')).toEqual({
      ref: 'main',
      inputs: { version: '1.0.0', environment: 'dev' },
    });
    expect(rollbackDispatch?.headers['idempotency-key']).toBe(`${ctx.stepId}-rollback`);
  });

  it('fills {{rollbackTo}} in the url as well', async () => {
    const settings = deploySettings(workspace.server);
    const rollbackSettings = settings.rollback as { trigger: Record<string, unknown> };
    rollbackSettings.trigger.url = `${workspace.server.url}/workflows/deploy/dispatches?restore={{rollbackTo}}`;
    await rollback(settings, '1.0.0').result;
    expect(workspace.server.requests.find((request) => request.route === 'dispatch')?.path).toBe(
      '/workflows/deploy/dispatches?restore=1.0.0',
    );
  });

  it('refuses, naming the component, when there are no rollback settings', async () => {
    const { rollback: _left, ...settings } = deploySettings(workspace.server);
    const error = await failure(rollback(settings, '1.0.0').result);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('api has no `rollback` setting, so Baton cannot undo this step');
    expect(workspace.server.requests).toHaveLength(0);
  });

  it('refuses when it needs {{rollbackTo}} but nothing ran before', async () => {
    const error = await failure(rollback(deploySettings(workspace.server), null).result);
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('nothing is known to have run in dev before this step');
    expect(workspace.server.requests).toHaveLength(0);
  });
});
