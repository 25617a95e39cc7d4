/**
 * `apply()` against the real Terraform: the approved plan and nothing else,
 * once per step id, with outputs for dependents and secrets kept out of sight.
 */
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { terraformAdapter } from '../../../adapters/terraform/index.ts';
import {
  OUTPUTS_MODULE,
  PROVISIONER_MODULE,
  VERSIONED_MODULE,
  failure,
  makeFixture,
  requireTerraform,
  type TerraformFixture,
} from './fixture.ts';

beforeEach(requireTerraform);

let fixture: TerraformFixture;

afterEach(async () => {
  await fixture?.remove();
});

describe('terraform apply: outputs', () => {
  it('returns every output as a string, objects as JSON, and names the sensitive ones', async () => {
    fixture = await makeFixture(OUTPUTS_MODULE);
    const result = await terraformAdapter.apply(fixture.context({ sensitiveOutputs: ['endpoint'] }));
    expect(result.outputs).toEqual({
      version: '2.0.0',
      password: 'pw-2.0.0-hunter2',
      endpoint: 'https://db-2.0.0.internal:5432',
      settings: '{"replicas":3,"tags":["blue","green"]}',
      replicas: '3',
      public: 'false',
    });
    expect(result.sensitiveOutputs).toEqual(['endpoint', 'password']);
    expect(result.summary).not.toMatch(/hunter2|db-2\.0\.0/);
  });

  it('never shows a sensitive value in the step log, in plan or apply', async () => {
    fixture = await makeFixture(OUTPUTS_MODULE);
    const ctx = fixture.context({ sensitiveOutputs: ['endpoint'] });
    const preview = await terraformAdapter.plan(ctx);
    const result = await terraformAdapter.apply(ctx);
    const shown = [...ctx.logged, preview.summary, ...preview.details, result.summary].join('\n');
    expect(shown).toContain('outputs that change: endpoint, password');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('db-2.0.0.internal');
  });

  it('has no sensitiveOutputs field when no output is sensitive', async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    const result = await terraformAdapter.apply(fixture.context());
    expect(result).not.toHaveProperty('sensitiveOutputs');
  });

  it('notes a sensitiveOutputs name the module does not output', async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    const ctx = fixture.context({ sensitiveOutputs: ['databse_url'] });
    await terraformAdapter.apply(ctx);
    expect(ctx.logged).toContain(
      'Note: `sensitiveOutputs` names "databse_url", but the module has no output of that name.',
    );
  });

  it('masks secrets from the settings in the command lines it logs', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const ctx = fixture.context(
      { vars: { release: '2.0.0', note: 's3cr3t-t0ken ' } },
      { redact: (text) => text.replaceAll('s3cr3t-t0ken', '***') },
    );
    await terraformAdapter.apply(ctx);
    expect(ctx.logged.join('\n')).not.toContain('s3cr3t-t0ken');
    expect(ctx.logged.some((line) => line.includes('-var=note=*** '))).toBe(true);
  });
});

describe('terraform apply: exactly the approved plan, once', () => {
  it('applies the saved plan, not what the module says by the time of the apply', async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    const ctx = fixture.context();
    await terraformAdapter.plan(ctx);
    await writeFile(join(fixture.moduleDir, 'unapproved.tf'), 'resource "terraform_data" "unapproved" {}\n');
    await terraformAdapter.apply(ctx);
    const next = await terraformAdapter.plan(fixture.context());
    expect(next.details).toEqual(['+ create terraform_data.unapproved']);
  });

  it('runs a second apply with the same step id without applying again, returning the same outputs', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const ctx = fixture.context();
    await terraformAdapter.plan(ctx);
    const first = await terraformAdapter.apply(ctx);
    const second = await terraformAdapter.apply(ctx);
    expect(await fixture.runs()).toEqual(['deployed 2.0.0']);
    expect(first.summary).toMatch(/^applied \+1 ~0 −0 in workspace dev \(\d+\.\ds\)$/);
    expect(second.summary).toBe('already applied by this step in workspace dev; outputs read again');
    expect(second.outputs).toEqual(first.outputs);
  });

  it('does not deploy again when a step is repeated after a later change to the workspace', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const repeated = fixture.context({ vars: { release: '2.0.0' } }, { stepId: 'step-repeated' });
    await terraformAdapter.apply(repeated);
    await terraformAdapter.apply(
      fixture.context({ vars: { release: '2.0.1' } }, { stepId: 'step-hotfix', version: '2.0.1' }),
    );
    const result = await terraformAdapter.apply(repeated);
    expect(result.outputs).toEqual({ version: '2.0.1' });
    expect(await fixture.runs()).toEqual(['deployed 2.0.0', 'deployed 2.0.1']);
  });

  it('plans first when there is no saved plan for the step (planned on another worker)', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const ctx = fixture.context();
    const result = await terraformAdapter.apply(ctx);
    expect(ctx.logged).toContain('Planning again before applying: no saved plan for this step on this worker.');
    expect(result.outputs).toEqual({ version: '2.0.0' });
    expect(await fixture.runs()).toEqual(['deployed 2.0.0']);
  });

  it('plans again when the plan was made before the outputs it uses were known', async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    const stepId = 'step-needs-iam';
    await terraformAdapter.plan(fixture.context({ vars: { release: '<iam.outputs.release>' } }, { stepId }));
    const ctx = fixture.context({ vars: { release: '2.0.0' } }, { stepId });
    const result = await terraformAdapter.apply(ctx);
    expect(result.outputs.version).toBe('2.0.0');
    expect(
      ctx.logged.some((line) => line.startsWith("Planning again before applying: the component's settings differ")),
    ).toBe(true);
  });

  it('finishes the step when an earlier attempt had applied the plan but crashed before recording it', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const ctx = fixture.context({}, { stepId: 'step-crash' });
    await terraformAdapter.plan(ctx);
    const planFile = join(fixture.workDir, 'step-crash.tfplan');
    const settingsFile = join(fixture.workDir, 'step-crash.tfplan.settings');
    await copyFile(planFile, `${planFile}.kept`);
    await copyFile(settingsFile, `${settingsFile}.kept`);
    const first = await terraformAdapter.apply(ctx);
    // What a worker that died right after `terraform apply` leaves behind.
    await copyFile(`${planFile}.kept`, planFile);
    await copyFile(`${settingsFile}.kept`, settingsFile);
    await rm(join(fixture.workDir, 'step-crash.applied'));
    await writeFile(join(fixture.workDir, 'step-crash.applying'), '');

    const again = await terraformAdapter.apply(ctx);
    expect(again.summary).toBe(
      'an earlier attempt of this step had already applied the plan in workspace dev; outputs read again',
    );
    expect(again.outputs).toEqual(first.outputs);
    expect(await fixture.runs()).toEqual(['deployed 2.0.0']);
  });

  it('keeps no plan file once the plan is applied: it holds every variable value', async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    const ctx = fixture.context({}, { stepId: 'step-tidy' });
    await terraformAdapter.plan(ctx);
    expect(existsSync(join(fixture.workDir, 'step-tidy.tfplan'))).toBe(true);
    await terraformAdapter.apply(ctx);
    expect(existsSync(join(fixture.workDir, 'step-tidy.tfplan'))).toBe(false);
  });
});

describe('terraform apply: refusals and failures', () => {
  it('refuses a plan made stale by another apply since approval, applying nothing', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const approved = fixture.context({ vars: { release: '2.0.0' } }, { stepId: 'step-approved' });
    await terraformAdapter.plan(approved);
    await terraformAdapter.apply(
      fixture.context({ vars: { release: '1.5.0' } }, { stepId: 'step-other', version: '1.5.0' }),
    );

    const error = await failure(terraformAdapter.apply(approved));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Terraform refused to apply the plan approved for api in dev');
    expect(error.message).toContain('the state of workspace dev changed since the plan was approved');
    expect(error.message).toContain('Nothing was applied.');
    expect(error.message).toContain('Request the promotion again');
    expect(await terraformAdapter.current(approved)).toEqual({ version: '1.5.0' });
    expect(await fixture.runs()).toEqual(['deployed 1.5.0']);
  });

  it('stops the step when Terraform fails, quoting its last lines', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const ctx = fixture.context({ vars: { release: '2.0.0', fail: 'true' } });
    const error = await failure(terraformAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toMatch(
      /^`\/usr\/local\/bin\/terraform apply .*` \(apply of api in dev, workspace dev\) failed with exit code 1 after/,
    );
    expect(error.message).toContain('terraform_data.deploy: (local-exec): migration 42 failed: table locked');
    expect(error.message).toContain('Error: local-exec provisioner error');
    expect(error.message).toContain('exit status 1');
    expect(error.message).toContain('the state of workspace dev records what was done');
  });

  it('redacts secrets in the error it raises', async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    const ctx = fixture.context(
      { vars: { release: '2.0.0', fail: 'true', note: 's3cr3t-t0ken: ' } },
      { redact: (text) => text.replaceAll('s3cr3t-t0ken', '***') },
    );
    const error = await failure(terraformAdapter.apply(ctx));
    expect(error.message).toContain('***: migration 42 failed');
    expect(error.message).not.toContain('s3cr3t-t0ken');
  });

  // Holds the lock for 8 seconds on purpose; more time when the machine is busy.
  it('asks for another attempt while another run holds the state lock', { timeout: 60_000 }, async () => {
    fixture = await makeFixture(PROVISIONER_MODULE);
    let provisioning: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (provisioning = resolve));
    const slow = fixture.context(
      { vars: { release: '2.0.0', sleep_seconds: '8' } },
      { log: (line) => line.includes("Provisioning with 'local-exec'") && provisioning() },
    );
    const holding = terraformAdapter.apply(slow);
    await started;

    const error = await failure(
      terraformAdapter.plan(fixture.context({ vars: { release: '3.0.0' }, lockTimeout: '1s' }, { version: '3.0.0' })),
    );
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('Error: Error acquiring the state lock');
    expect(error.message).toContain('Another Terraform run holds the state lock of workspace dev');
    await holding;
  });

  it(
    'on abort interrupts Terraform, which records what it did and releases the lock',
    { timeout: 60_000 },
    async () => {
      fixture = await makeFixture(PROVISIONER_MODULE);
      const ctx = fixture.context(
        { vars: { release: '2.0.0', sleep_seconds: '30' } },
        {
          log: (line) => {
            if (line.includes("Provisioning with 'local-exec'")) ctx.abort(new Error('step timed out after 30m'));
          },
        },
      );
      const startedAt = Date.now();
      const error = await failure(terraformAdapter.apply(ctx));
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toMatch(/\(apply of api in dev, workspace dev\) was stopped after \d+\.\ds/);
      expect(error.message).toContain('step timed out after 30m');
      const next = await terraformAdapter.plan(fixture.context({ vars: { release: '2.0.0' }, lockTimeout: '1s' }));
      expect(next.changes).toBe(true);
    },
  );

  it('says how to fix a binary that is not installed', async () => {
    fixture = await makeFixture(VERSIONED_MODULE);
    const error = await failure(terraformAdapter.apply(fixture.context({ binary: 'baton-test-no-such-terraform' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('the program "baton-test-no-such-terraform" was not found');
    expect(error.message).toContain('set `binary`');
  });
});
