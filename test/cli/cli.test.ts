/** The `baton` command as a user runs it: exit codes, output, errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function baton(...args: string[]) {
  return batonWith({}, ...args);
}

function batonWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/baton.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, BATON_DATA_DIR: mkdtempSync(join(tmpdir(), 'baton-cli-')), ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('baton --version', () => {
  it('prints the version of the package', () => {
    const result = baton('--version');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(baton('-V').stdout).toBe(result.stdout);
  });
});

describe('baton plan in the singular', () => {
  it('counts one step in one wave', () => {
    const result = baton('plan', 'api=1.4.2', '--to', 'dev', '-c', 'config/baton.example.yaml');
    expect(result.stdout).toContain('(1 step, 1 wave)');
    expect(result.stdout).toContain('Wave 1\n');
  });
});

describe('baton validate', () => {
  it('summarises a valid config in one line', () => {
    const result = baton('validate', '-c', 'config/baton.example.yaml');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'config/baton.example.yaml: valid — 3 environments (dev → staging → production), 4 components (script).\n',
    );
  });

  it('lists every problem with file:line:col and exits 1', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'baton-cli-')), 'broken.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'environments:',
        '  - name: dev',
        '    aprovals: { required: 1 }',
        'components:',
        '  api:',
        '    adapter: helm',
        '',
      ].join('\n'),
    );
    const result = baton('validate', '-c', file);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${file}:4:5: unknown key "aprovals".*did you mean "approvals"\\?`));
    expect(lines[1]).toMatch(new RegExp(`^${file}:7:14: .*helm.*script`));
  });

  it('says so when the file is missing', () => {
    const result = baton('validate', '-c', 'nope.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.yaml');
  });
});

describe('baton plan', () => {
  it('prints the plan as JSON with steps, needs and waves', () => {
    const result = baton(
      'plan',
      'api=1.4.2',
      'iam=1',
      'worker=1.4.2',
      '--to',
      'dev',
      '-c',
      'config/baton.example.yaml',
      '--json',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      allowed: boolean;
      waves: string[][];
      steps: { id: string; component: string; needs: string[] }[];
    };
    expect(plan.allowed).toBe(true);
    expect(plan.waves).toEqual([['iam'], ['api', 'worker']]);
    expect(plan.steps.map((s) => [s.component, s.needs])).toEqual([
      ['iam', []],
      ['api', ['iam']],
      ['worker', ['iam']],
    ]);
    expect(plan.steps[0]?.id).toBe('dry-run.iam');
  });

  it('exits 3 and names the rule when policy would refuse', () => {
    const result = baton('plan', '2026.11.3', '--to', 'staging', '-c', 'config/baton.example.yaml');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      'Plan: iam=2026.11.3 schema=42 api=1.4.2 worker=1.4.2 → staging (4 steps, 2 waves)',
    );
    expect(result.stdout).toContain('NO   requires: staging requires the same versions to have succeeded in dev first');
  });

  it('rejects an unknown environment clearly', () => {
    const result = baton('plan', 'api=1', '--to', 'moon', '-c', 'config/baton.example.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('There is no environment "moon". Environments: dev, staging, production.\n');
  });
});

describe('baton start and baton worker on Redis', () => {
  it('stop at once with a clear message when Redis cannot be reached', () => {
    const start = batonWith({ REDIS_URL: 'redis://user:hunter2@127.0.0.1:1' }, 'start', '--port', '0');
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      'Cannot reach Redis at redis://***@127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1. Start Redis or fix REDIS_URL',
    );
    // The one message says it all: no log line of the client's before it.
    expect(start.stderr).not.toContain('redis connection problem');
    expect(start.stderr).toContain('unset REDIS_URL to run on the embedded engine');
    expect(start.stderr).not.toContain('hunter2');
  });

  it('refuse to run a worker without Redis', () => {
    const worker = batonWith({ REDIS_URL: '' }, 'worker');
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('baton worker needs REDIS_URL');
  });
});
