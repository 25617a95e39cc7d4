/** What people see before a step runs, and how the adapter reads the version a target runs. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpAdapter } from '../../../adapters/http/index.ts';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { deploySettings, failure, makeWorkspace, READ_TOKEN, WEBHOOK_SECRET, type Workspace } from './fixture.ts';

let workspace: Workspace;

beforeEach(async () => {
  workspace = await makeWorkspace();
});

afterEach(async () => {
  await workspace.remove();
});

describe('plan', () => {
  it('says what it will send and how it decides the run is done, and sends nothing but the current GET', async () => {
    const ctx = workspace.context(deploySettings(workspace.server));
    const preview = await httpAdapter.plan(ctx);
    const { url } = workspace.server;
    expect(preview.summary).toBe(
      `POST ${url}/workflows/deploy/dispatches (HMAC-signed), then poll \${trigger.headers.location} every 100ms until $.conclusion equals success`,
    );
    expect(preview.details).toEqual([
      'runs 1.0.0 now',
      `sends Idempotency-Key: ${ctx.stepId}`,
      'body: {"ref":"main","inputs":{"version":"2.0.0","environment":"dev"}}',
      'poll header Authorization: ***',
      'fails when $.conclusion in [failure, cancelled]',
      'gives up 20s after the trigger',
      'output run_url ← $.html_url',
      'output run_id ← $.id',
      'output queued_at ← ${trigger.headers.location}',
      `rollback: POST ${url}/workflows/deploy/dispatches (HMAC-signed), then poll \${trigger.headers.location} every 100ms until $.conclusion equals success`,
    ]);
    expect(preview).toMatchObject({ reversible: true, changes: true });
    expect(workspace.server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /environments/dev',
    ]);
  });

  it('masks token query parameters, URL passwords, credential headers and what the step redacts', async () => {
    const ctx = workspace.context(
      {
        trigger: {
          url: 'https://jenkins:hunter22@ci.example/job/deploy-acme/buildWithParameters?token=jenkins-trigger-token&cause=baton',
          headers: { 'X-Api-Key': 'api-key-value', Accept: 'application/json' },
        },
      },
      { redact: (text) => text.replaceAll('acme', '***') },
    );
    const preview = await httpAdapter.plan(ctx);
    expect(preview.summary).toBe(
      'POST https://jenkins:***@ci.example/job/deploy-***/buildWithParameters?token=***&cause=baton',
    );
    expect(preview.details).toContain('header X-Api-Key: ***');
    expect(preview.details).toContain('header Accept: application/json');
    expect(preview.details).toContain('cannot be undone: there is no `rollback` setting');
    const shown = [preview.summary, ...preview.details].join('\n');
    for (const secret of ['hunter22', 'jenkins-trigger-token', 'api-key-value', WEBHOOK_SECRET, READ_TOKEN]) {
      expect(shown).not.toContain(secret);
    }
    expect(preview).toMatchObject({ reversible: false, changes: true });
  });

  it('has nothing to trigger when the target already runs the version', async () => {
    const preview = await httpAdapter.plan(workspace.context(deploySettings(workspace.server), { version: '1.0.0' }));
    expect(preview).toEqual({
      summary: 'already runs 1.0.0: nothing to trigger',
      details: [],
      reversible: true,
      changes: false,
    });
  });
});

describe('current', () => {
  it('reads the version at the JSON path', async () => {
    expect(await httpAdapter.current(workspace.context(deploySettings(workspace.server)))).toEqual({
      version: '1.0.0',
    });
  });

  it('is unknown without `current`, and when the answer holds no version', async () => {
    const { current: _left, ...settings } = deploySettings(workspace.server);
    expect(await httpAdapter.current(workspace.context(settings))).toEqual({ version: null });
    const staging = {
      ...deploySettings(workspace.server),
      current: {
        ...(deploySettings(workspace.server).current as object),
        url: `${workspace.server.url}/environments/staging`,
      },
    };
    expect(await httpAdapter.current(workspace.context(staging))).toEqual({ version: null });
  });

  it('may pass on another attempt when the server fails, and says what to fix when it refuses', async () => {
    workspace.server.answerNext('environment', { status: 502 });
    const busy = await failure(httpAdapter.current(workspace.context(deploySettings(workspace.server))));
    expect(busy).toBeInstanceOf(RetryableStepError);
    expect(busy.message).toContain('answered 502 Bad Gateway');

    const settings = deploySettings(workspace.server);
    const refused = await failure(
      httpAdapter.current(
        workspace.context({ ...settings, current: { ...(settings.current as object), headers: {} } }),
      ),
    );
    expect(refused).toBeInstanceOf(TerminalStepError);
    expect(refused.message).toContain('answered 401 Unauthorized');
    expect(refused.message).toContain('Fix `current.url` or `current.headers`');
  });
});
