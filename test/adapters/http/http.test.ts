/**
 * The http adapter driving the CI server stand-in: a run triggered with a
 * signed request, followed to its end, its outputs published; and each way
 * that can go wrong, as the person reading the step's error would see it.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpAdapter } from '../../../adapters/http/index.ts';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { startCiServerStandIn } from '../../harness/ci-server/ci-server.ts';
import { deploySettings, failure, makeWorkspace, READ_TOKEN, WEBHOOK_SECRET, type Workspace } from './fixture.ts';

let workspace: Workspace;

beforeEach(async () => {
  workspace = await makeWorkspace();
});

afterEach(async () => {
  await workspace.remove();
});

function dispatches() {
  return workspace.server.requests.filter((request) => request.route === 'dispatch');
}

function withTrigger(change: Record<string, unknown>): Record<string, unknown> {
  const settings = deploySettings(workspace.server);
  return { ...settings, trigger: { ...(settings.trigger as object), ...change } };
}

function withPoll(change: Record<string, unknown>): Record<string, unknown> {
  const settings = deploySettings(workspace.server);
  return { ...settings, poll: { ...(settings.poll as object), ...change } };
}

describe('apply', () => {
  it('triggers the run once with a signed request, follows it to success and publishes the outputs', async () => {
    // Phases long enough that even a busy machine polls while the run is still queued or in progress.
    await workspace.remove();
    workspace = await makeWorkspace({ queuedMs: 300, runningMs: 300 });
    const ctx = workspace.context(deploySettings(workspace.server));
    const result = await httpAdapter.apply(ctx);

    const { url } = workspace.server;
    expect(result.outputs).toEqual({ run_url: `${url}/runs/1/view`, run_id: '1', queued_at: '/runs/1' });
    expect(result.summary).toMatch(
      new RegExp(
        `^api's pipeline succeeded: ${url}/runs/1 reports \\$\\.conclusion equals success, \\d+ms after ` +
          `POST ${url}/workflows/deploy/dispatches answered 201 Created$`,
      ),
    );
    expect(workspace.server.deployedVersion('dev')).toBe('2.0.0');
    expect(workspace.server.startedRuns()).toBe(1);

    const [dispatch] = dispatches();
    expect(dispatch?.headers['idempotency-key']).toBe(ctx.stepId);
    expect(dispatch?.headers['content-type']).toBe('application/json');
    expect(dispatch?.headers['x-hub-signature-256']).toBe(
      `sha256=${createHmac('sha256', WEBHOOK_SECRET)
        .update(dispatch?.body ?? '')
        .digest('hex')}`,
    );
    expect(JSON.parse(dispatch?.body ?? '')).toEqual({ ref: 'main', inputs: { version: '2.0.0', environment: 'dev' } });
    // queued and in_progress were both seen before completed: the adapter really waited.
    expect(workspace.server.requests.filter((request) => request.route === 'run').length).toBeGreaterThanOrEqual(2);
    expect(ctx.logged).toContain(`${url}/runs/1: $.conclusion was null`);
    expect(ctx.logged.join('\n')).not.toContain(READ_TOKEN);
  });

  it('signs the exact bytes of a body written as a string, spacing and all', async () => {
    const body = '{ "ref": "main",\n  "inputs": { "version": "2.0.0",   "environment": "dev" } }';
    await httpAdapter.apply(workspace.context(withTrigger({ body, headers: { 'Content-Type': 'application/json' } })));
    expect(dispatches()[0]?.body).toBe(body);
    expect(workspace.server.deployedVersion('dev')).toBe('2.0.0');
  });

  it('follows a URL taken from the JSON body of the trigger answer', async () => {
    const result = await httpAdapter.apply(workspace.context(withPoll({ url: '${trigger.body.run_url}' })));
    expect(result.outputs.run_id).toBe('1');
  });

  it('without poll, returns once the trigger is accepted, with outputs from its answer', async () => {
    const settings = {
      trigger: deploySettings(workspace.server).trigger,
      outputs: { run: '$.id', status: '$.status' },
    };
    const result = await httpAdapter.apply(workspace.context(settings));
    expect(result.outputs).toEqual({ run: '1', status: 'queued' });
    expect(result.summary).toBe(
      `api's pipeline triggered: POST ${workspace.server.url}/workflows/deploy/dispatches answered 201 Created`,
    );
  });
});

describe('HMAC signature', () => {
  it('is refused by the stand-in with 401 when the secret is wrong: terminal, and the secret is not shown', async () => {
    const wrongSecret = 'not-the-webhook-secret';
    const error = await failure(httpAdapter.apply(workspace.context(withTrigger({ hmac: { secret: wrongSecret } }))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain("answered 401 Unauthorized, so api's pipeline was not triggered");
    expect(error.message).toContain('Signature does not match the request body');
    expect(error.message).toContain('the HMAC secret in `trigger.hmac.secret`');
    expect(error.message).not.toContain(wrongSecret);
    expect(workspace.server.startedRuns()).toBe(0);
  });

  it('is required by the stand-in: an unsigned trigger is refused', async () => {
    const error = await failure(httpAdapter.apply(workspace.context(withTrigger({ hmac: undefined }))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Missing x-hub-signature-256 header');
  });
});

describe('following the run', () => {
  it('fails for good when the failure condition holds, naming the condition and the value seen', async () => {
    workspace.server.endRunsWith('failure');
    const error = await failure(httpAdapter.apply(workspace.context(deploySettings(workspace.server))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `api's pipeline failed: ${workspace.server.url}/runs/1 reports $.conclusion = "failure", ` +
        'which meets the failure condition ($.conclusion in [failure, cancelled])',
    );
    expect(workspace.server.deployedVersion('dev')).toBe('1.0.0');
  });

  it('gives up after the timeout, pointing at the run and saying what it last saw', async () => {
    workspace.server.endRunsWith('never');
    const startedAt = Date.now();
    const error = await failure(httpAdapter.apply(workspace.context(withPoll({ timeout: '1s' }))));
    const took = Date.now() - startedAt;
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(`api's pipeline is still running after 1s: check ${workspace.server.url}/runs/1.`);
    expect(error.message).toContain('Last seen: $.conclusion was null');
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(5000);
  });

  it('waits out a poll answered with 500 or 429 and carries on', async () => {
    workspace.server.answerNext('run', { status: 500 });
    workspace.server.answerNext('run', { status: 429, retryAfter: '0' });
    const ctx = workspace.context(deploySettings(workspace.server));
    const result = await httpAdapter.apply(ctx);
    expect(result.outputs.run_id).toBe('1');
    expect(ctx.logged).toContain(`${workspace.server.url}/runs/1: it answered 500 Internal Server Error`);
    expect(ctx.logged).toContain(`${workspace.server.url}/runs/1: it answered 429 Too Many Requests`);
  });

  it('stops when the poll is refused, saying the run was triggered, without showing the token', async () => {
    const settings = withPoll({ headers: { Authorization: 'Bearer wrong-read-token' } });
    const error = await failure(httpAdapter.apply(workspace.context(settings)));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(`${workspace.server.url}/runs/1 answered 401 Unauthorized`);
    expect(error.message).toContain("api's pipeline was triggered and may still be running");
    expect(error.message).not.toContain('wrong-read-token');
  });

  it('says which value of the trigger answer is missing when the poll URL needs it', async () => {
    const error = await failure(httpAdapter.apply(workspace.context(withPoll({ url: '${trigger.body.links.run}' }))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain("api's pipeline was triggered (201)");
    expect(error.message).toContain("${trigger.body.links.run}: the trigger's answer has no $.links.run");
  });

  it('stops promptly when the step is cancelled while it waits, saying the run goes on', async () => {
    workspace.server.endRunsWith('never');
    const ctx = workspace.context(deploySettings(workspace.server), {
      log: (line) => line.includes('$.conclusion was null') && ctx.abort(new Error('cancelled by alice')),
    });
    const error = await failure(httpAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('cancelled by alice');
    expect(error.message).toContain('The run itself was not cancelled');
  });
});

describe('trigger failures', () => {
  it('a 400 is terminal and quotes the answer, shortened and with secrets masked', async () => {
    workspace.server.answerNext('dispatch', {
      status: 400,
      body: { message: `input rejected for token ${READ_TOKEN}`, detail: 'x'.repeat(2000) },
    });
    const error = await failure(httpAdapter.apply(workspace.context(deploySettings(workspace.server))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain("answered 400 Bad Request, so api's pipeline was not triggered");
    expect(error.message).toContain('input rejected for token ***');
    expect(error.message).not.toContain(READ_TOKEN);
    expect(error.message).toMatch(/… \(\d+ more characters\)/);
    expect(error.message).toContain('Fix the trigger settings');
  });

  it('an input the workflow does not declare is refused with 422, terminal', async () => {
    const error = await failure(
      httpAdapter.apply(
        workspace.context(withTrigger({ body: { ref: 'main', inputs: { version: '2.0.0', colour: 'blue' } } })),
      ),
    );
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Unexpected inputs provided: [\\"colour\\"]');
  });

  it('a 503 may pass on another attempt, which triggers the run exactly once', async () => {
    workspace.server.answerNext('dispatch', { status: 503 });
    const ctx = workspace.context(deploySettings(workspace.server));
    const error = await failure(httpAdapter.apply(ctx));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('answered 503 Service Unavailable: the server is busy or failing');

    const result = await httpAdapter.apply(ctx);
    expect(result.outputs.run_id).toBe('1');
    expect(workspace.server.startedRuns()).toBe(1);
    expect(dispatches().map((request) => request.headers['idempotency-key'])).toEqual([ctx.stepId, ctx.stepId]);
  });

  it('a 500 once is retryable too', async () => {
    workspace.server.answerNext('dispatch', { status: 500 });
    const error = await failure(httpAdapter.apply(workspace.context(deploySettings(workspace.server))));
    expect(error).toBeInstanceOf(RetryableStepError);
  });

  it('a 429 is retryable and the message says how long the server asked to wait', async () => {
    workspace.server.answerNext('dispatch', { status: 429, retryAfter: '30' });
    const error = await failure(httpAdapter.apply(workspace.context(deploySettings(workspace.server))));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('It asked to wait 30s before trying again (Retry-After: 30)');
    expect((error as RetryableStepError).retryAfterMs).toBe(30_000);
  });

  it('a server that cannot be reached is retryable', async () => {
    const gone = await startCiServerStandIn({ webhookSecret: WEBHOOK_SECRET });
    await gone.close();
    const settings = withTrigger({ url: `${gone.url}/workflows/deploy/dispatches` });
    const error = await failure(httpAdapter.apply(workspace.context(settings)));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain(`Could not reach POST ${gone.url}/workflows/deploy/dispatches`);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('a 2xx other than expectStatus is terminal: the run may have started', async () => {
    const error = await failure(httpAdapter.apply(workspace.context(withTrigger({ expectStatus: 202 }))));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('answered 201 Created, but `expectStatus` is 202');
  });
});
