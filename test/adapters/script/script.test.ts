/**
 * The script adapter against real Node scripts in a temp folder. The "deploy"
 * scripts keep the version they deployed in a state file and remember which
 * step ids they applied: the idempotency pattern the README recommends.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { formatElapsed } from '../../../adapters/kit/durations.ts';
import { runProcess } from '../../../adapters/kit/process.ts';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { inputVariableName } from '../../../adapters/script/environment.ts';
import { scriptAdapter } from '../../../adapters/script/index.ts';
import { OutputFileError, parseOutputFile } from '../../../adapters/script/outputs.ts';
import type { ScriptConfig } from '../../../adapters/script/schema.ts';
import { LocalProgramSupervisor } from '../../../src/program-supervisor.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';
import { describeAdapterContract, type AdapterCapabilities, type AdapterFixture } from '../contract-suite.ts';

const STATE_MODULE = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const file = process.env.STATE_FILE;
export function load() {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { version: null, deploys: 0, applied: {} };
}
export function save(state) {
  writeFileSync(file, JSON.stringify(state));
}
`;

// Remembers the outputs of each step id, so a repeated step changes nothing and reports the same outputs.
const DEPLOY_SCRIPT = `
import { appendFileSync } from 'node:fs';
import { load, save } from './state.mjs';
const version = process.argv[2];
const stepId = process.env.BATON_STEP_ID;
const state = load();
let outputs = state.applied[stepId];
if (outputs) {
  console.log('step ' + stepId + ' already applied; nothing to do');
} else {
  console.log('deploying ' + version + ' over ' + state.version);
  state.version = version;
  state.deploys += 1;
  outputs = { url: 'https://api.example.test/' + version, deploy_number: String(state.deploys) };
  state.applied[stepId] = outputs;
  save(state);
}
appendFileSync(process.env.BATON_OUTPUT, Object.entries(outputs).map(([name, value]) => name + '=' + value + '\\n').join(''));
`;

const CURRENT_SCRIPT = `
import { load } from './state.mjs';
console.log(load().version ?? '');
`;

const PREVIEW_SCRIPT = `
import { load } from './state.mjs';
console.log('deploy ' + process.env.BATON_VERSION + ' over ' + load().version);
console.log('');
console.log('  image: ghcr.io/acme/api:' + process.env.BATON_VERSION);
`;

const ROLLBACK_SCRIPT = `
import { load, save } from './state.mjs';
const state = load();
console.log('rolling back from ' + state.version + ' to ' + process.env.BATON_ROLLBACK_TO);
state.version = process.env.BATON_ROLLBACK_TO || null;
save(state);
`;

interface Workspace {
  dir: string;
  stateFile: string;
  context(config: ScriptConfig, overrides?: Partial<AdapterContext<ScriptConfig>>): TestAdapterContext<ScriptConfig>;
  /** Writes a script into the workspace and returns its file name. */
  script(name: string, source: string): Promise<string>;
  remove(): Promise<void>;
}

async function makeWorkspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-script-'));
  const stateFile = join(dir, 'state.json');
  const files: Record<string, string> = {
    'state.mjs': STATE_MODULE,
    'deploy.mjs': DEPLOY_SCRIPT,
    'current.mjs': CURRENT_SCRIPT,
    'preview.mjs': PREVIEW_SCRIPT,
    'rollback.mjs': ROLLBACK_SCRIPT,
    'state.json': JSON.stringify({ version: '1.0.0', deploys: 0, applied: {} }),
  };
  for (const [name, source] of Object.entries(files)) await writeFile(join(dir, name), source);
  return {
    dir,
    stateFile,
    context: (config, overrides = {}) =>
      makeAdapterContext({
        config,
        configDir: dir,
        workDir: join(dir, 'work'),
        version: '2.0.0',
        previousVersion: '1.0.0',
        ...overrides,
      }),
    script: async (name, source) => {
      await writeFile(join(dir, name), source);
      return name;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function fullConfig(workspace: Workspace): ScriptConfig {
  return {
    apply: ['node', 'deploy.mjs', '2.0.0'],
    plan: ['node', 'preview.mjs'],
    current: ['node', 'current.mjs'],
    rollback: ['node', 'rollback.mjs'],
    env: { STATE_FILE: workspace.stateFile },
  };
}

function contractFixture(
  capabilities: AdapterCapabilities,
  configFor: (workspace: Workspace) => ScriptConfig,
): AdapterFixture {
  return {
    capabilities,
    setUp: async () => {
      const workspace = await makeWorkspace();
      return {
        adapter: scriptAdapter,
        context: (overrides: Partial<AdapterContext<unknown>> = {}) =>
          makeAdapterContext<unknown>({
            config: configFor(workspace),
            configDir: workspace.dir,
            workDir: join(workspace.dir, 'work'),
            stepId: 'step-contract',
            version: '2.0.0',
            previousVersion: '1.0.0',
            ...overrides,
          }),
        cleanup: workspace.remove,
      };
    },
  };
}

describeAdapterContract(
  'script with plan, current and rollback commands',
  contractFixture({ observesVersion: true, reversible: true }, fullConfig),
);
describeAdapterContract(
  'script with only an apply command',
  contractFixture({ observesVersion: false, reversible: false }, (workspace) => ({
    apply: ['node', 'deploy.mjs', '2.0.0'],
    env: { STATE_FILE: workspace.stateFile },
  })),
);

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the promise to reject with an Error');
  return error;
}

/** True while the process exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('script adapter', () => {
  let workspace: Workspace;

  beforeEach(async () => {
    workspace = await makeWorkspace();
  });

  afterEach(async () => {
    await workspace.remove();
  });

  describe('apply', () => {
    it('summarises the command it ran with its exit code and duration', async () => {
      const result = await scriptAdapter.apply(workspace.context(fullConfig(workspace)));
      expect(result.summary).toMatch(/^ran node deploy\.mjs 2\.0\.0 \(exit 0, \d+\.\ds\)$/);
      expect(result.outputs).toEqual({ url: 'https://api.example.test/2.0.0', deploy_number: '1' });
    });

    it('does not deploy again when the script recognises the step id', async () => {
      const ctx = workspace.context(fullConfig(workspace));
      await scriptAdapter.apply(ctx);
      await scriptAdapter.apply(ctx);
      expect(JSON.parse(await readFile(workspace.stateFile, 'utf8'))).toMatchObject({ version: '2.0.0', deploys: 1 });
      expect(ctx.logged).toContain(`step ${ctx.stepId} already applied; nothing to do`);
    });

    it('turns lines written to $BATON_OUTPUT into outputs, including multiline values', async () => {
      const script = await workspace.script(
        'outputs.mjs',
        `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.BATON_OUTPUT, 'url=https://x.test/?a=b\\n');
appendFileSync(process.env.BATON_OUTPUT, 'notes<<EOF\\nfirst line\\nsecond = line\\nEOF\\n');
appendFileSync(process.env.BATON_OUTPUT, 'empty=\\n');`,
      );
      const result = await scriptAdapter.apply(workspace.context({ apply: ['node', script] }));
      expect(result.outputs).toEqual({ url: 'https://x.test/?a=b', notes: 'first line\nsecond = line', empty: '' });
    });

    it('fails the step when $BATON_OUTPUT holds a line that is not an output', async () => {
      const script = await workspace.script(
        'bad-outputs.mjs',
        `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.BATON_OUTPUT, 'url=https://x.test\\njust some text\\n');`,
      );
      const error = await failure(scriptAdapter.apply(workspace.context({ apply: ['node', script] })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('line 2: expected name=value or name<<DELIMITER, got "just some text"');
    });

    it('gives every command the step, the inputs and the env setting as environment variables', async () => {
      const script = await workspace.script(
        'env.mjs',
        `import { appendFileSync } from 'node:fs';
const picked = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('BATON_') || name === 'REGION' || name === 'PATH'));
appendFileSync(process.env.BATON_OUTPUT, 'env=' + JSON.stringify(picked) + '\\n');`,
      );
      const ctx = workspace.context(
        { apply: ['node', script], env: { REGION: 'eu-west-1' } },
        {
          stepId: 'step-42',
          promotionId: 'p-7',
          environment: 'staging',
          component: 'api',
          version: '1.4.2',
          previousVersion: null,
          inputs: { iam: { queue_url: 'https://sqs.test/q' }, 'db-main': { 'dsn.ro': 'postgres://ro' } },
        },
      );
      const env = JSON.parse((await scriptAdapter.apply(ctx)).outputs.env ?? '{}') as Record<string, string>;
      expect(env).toMatchObject({
        BATON_ENVIRONMENT: 'staging',
        BATON_COMPONENT: 'api',
        BATON_VERSION: '1.4.2',
        BATON_PREVIOUS_VERSION: '',
        BATON_STEP_ID: 'step-42',
        BATON_PROMOTION_ID: 'p-7',
        BATON_INPUT_IAM_QUEUE_URL: 'https://sqs.test/q',
        BATON_INPUT_DB_MAIN_DSN_RO: 'postgres://ro',
        REGION: 'eu-west-1',
        PATH: process.env.PATH,
      });
      expect(env.BATON_OUTPUT?.startsWith(join(workspace.dir, 'work'))).toBe(true);
      expect(env).not.toHaveProperty('BATON_ROLLBACK_TO');
    });

    it('passes arguments literally, with no shell to interpret them', async () => {
      const marker = join(workspace.dir, 'shell-ran');
      const script = await workspace.script(
        'echo-arg.mjs',
        `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.BATON_OUTPUT, 'arg<<EOF\\n' + process.argv[2] + '\\nEOF\\n');`,
      );
      const argument = `$(touch ${marker}); rm -rf "$HOME" \`touch ${marker}\` | true`;
      const result = await scriptAdapter.apply(workspace.context({ apply: ['node', script, argument] }));
      expect(result.outputs.arg).toBe(argument);
      expect(existsSync(marker)).toBe(false);
    });

    it('runs in cwd, relative to the config folder', async () => {
      await mkdir(join(workspace.dir, 'deploy', 'api'), { recursive: true });
      await writeFile(
        join(workspace.dir, 'deploy', 'api', 'where.mjs'),
        `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.BATON_OUTPUT, 'cwd=' + process.cwd() + '\\n');`,
      );
      const result = await scriptAdapter.apply(workspace.context({ apply: ['node', 'where.mjs'], cwd: 'deploy/api' }));
      expect(result.outputs.cwd).toBe(realpathSync(join(workspace.dir, 'deploy', 'api')));
    });

    it('says so when cwd does not exist', async () => {
      const error = await failure(
        scriptAdapter.apply(workspace.context({ apply: ['node', 'deploy.mjs'], cwd: 'no-such-folder' })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain(`${join(workspace.dir, 'no-such-folder')} of api does not exist`);
      expect(error.message).toContain('`cwd`');
    });

    it('streams every stdout and stderr line to the step log as it arrives', async () => {
      const script = await workspace.script(
        'chatty.mjs',
        `console.log('out 1'); console.error('err 1'); process.stdout.write('out 2\\nno newline at the end');`,
      );
      const ctx = workspace.context({ apply: ['node', script] });
      await scriptAdapter.apply(ctx);
      expect([...ctx.logged].sort()).toEqual(['err 1', 'no newline at the end', 'out 1', 'out 2']);
    });

    it('does not wait for a background process the script left holding its output', async () => {
      const pidFile = join(workspace.dir, 'daemon.pid');
      const script = await workspace.script(
        'daemon.mjs',
        `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const daemon = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'inherit', detached: true });
writeFileSync(${JSON.stringify(pidFile)}, String(daemon.pid));
daemon.unref();
console.log('started');`,
      );
      const startedAt = Date.now();
      try {
        await scriptAdapter.apply(workspace.context({ apply: ['node', script] }));
        expect(Date.now() - startedAt).toBeLessThan(10_000);
      } finally {
        process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
      }
    });
  });

  describe('failures', () => {
    it('asks for a retry when the script exits 75 (EX_TEMPFAIL)', async () => {
      const script = await workspace.script('busy.mjs', `console.error('registry is busy'); process.exit(75);`);
      const error = await failure(scriptAdapter.apply(workspace.context({ apply: ['node', script] })));
      expect(error).toBeInstanceOf(RetryableStepError);
      expect(error.message).toContain('`node busy.mjs` (apply of api in dev) exited with code 75');
      expect(error.message).toContain('registry is busy');
    });

    it('stops the step on any other exit code, quoting the command, the code and the last stderr lines', async () => {
      const script = await workspace.script(
        'broken.mjs',
        `for (let i = 1; i <= 30; i++) console.error('problem ' + i); process.exit(3);`,
      );
      const error = await failure(scriptAdapter.apply(workspace.context({ apply: ['node', script, '2.0.0'] })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('`node broken.mjs 2.0.0` (apply of api in dev) failed with exit code 3');
      expect(error.message).toContain('problem 30');
      expect(error.message).toContain('problem 11');
      expect(error.message).not.toContain('problem 10\n');
    });

    it('says a program was not found and where to fix it', async () => {
      const error = await failure(
        scriptAdapter.apply(workspace.context({ apply: ['baton-test-no-such-program', '--deploy'] })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('program "baton-test-no-such-program" was not found');
      expect(error.message).toContain('`apply[0]`');
      expect(error.message).toContain('PATH');
    });

    it('redacts secrets in the error message', async () => {
      const script = await workspace.script(
        'leaky.mjs',
        `console.error('auth failed for token ' + process.argv[2]); process.exit(1);`,
      );
      const ctx = workspace.context(
        { apply: ['node', script, 's3cr3t-t0ken'] },
        { redact: (text) => text.replaceAll('s3cr3t-t0ken', '***') },
      );
      const error = await failure(scriptAdapter.apply(ctx));
      expect(error.message).toContain('auth failed for token ***');
      expect(error.message).toContain('`node leaky.mjs ***`');
      expect(error.message).not.toContain('s3cr3t-t0ken');
    });

    it('on abort terminates the whole process group, children included', async () => {
      const pidFile = join(workspace.dir, 'pids.json');
      const script = await workspace.script(
        'group.mjs',
        `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
writeFileSync(${JSON.stringify(pidFile)}, JSON.stringify({ parent: process.pid, child: child.pid }));
console.log('ready');
setTimeout(() => {}, 30000);`,
      );
      const ctx: TestAdapterContext<ScriptConfig> = workspace.context(
        { apply: ['node', script] },
        { log: (line) => line === 'ready' && ctx.abort(new Error('step timed out after 10m')) },
      );
      const error = await failure(scriptAdapter.apply(ctx));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toMatch(/`node group\.mjs` \(apply of api in dev\) was stopped after \d+\.\ds/);
      expect(error.message).toContain('step timed out after 10m');
      const pids = JSON.parse(await readFile(pidFile, 'utf8')) as { parent: number; child: number };
      expect(await eventually(() => !isRunning(pids.parent) && !isRunning(pids.child), 3_000)).toBe(true);
    });

    it('kills a process group that ignores SIGTERM once the grace period is over', async () => {
      const script = await workspace.script(
        'stubborn.mjs',
        `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);`,
      );
      const controller = new AbortController();
      const lines: string[] = [];
      const outcome = await runProcess(['node', script], {
        cwd: workspace.dir,
        env: process.env,
        signal: controller.signal,
        killGraceMs: 300,
        programs: new LocalProgramSupervisor(undefined),
        stepId: 'step-stubborn',
        onLine: (line) => {
          lines.push(line);
          if (line === 'ready') controller.abort();
        },
      });
      expect(outcome).toMatchObject({ aborted: true, exitCode: null, exitSignal: 'SIGKILL' });
      expect(lines).toContain('ignoring SIGTERM');
    });

    it('does not start a command when the step is already aborted', async () => {
      const marker = join(workspace.dir, 'started');
      const script = await workspace.script(
        'mark.mjs',
        `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, '');`,
      );
      const ctx = workspace.context({ apply: ['node', script] });
      ctx.abort(new Error('cancelled by alice'));
      const error = await failure(scriptAdapter.apply(ctx));
      expect(error.message).toContain('was not started');
      expect(error.message).toContain('cancelled by alice');
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('plan', () => {
    it('uses the plan command: first line the summary, the other lines the details', async () => {
      const preview = await scriptAdapter.plan(workspace.context(fullConfig(workspace)));
      expect(preview).toEqual({
        summary: 'deploy 2.0.0 over 1.0.0',
        details: ['  image: ghcr.io/acme/api:2.0.0'],
        reversible: true,
        changes: true,
      });
    });

    it('without a plan command, shows the apply command with secrets redacted', async () => {
      const ctx = workspace.context(
        { apply: ['node', 'deploy.mjs', '--token', 'hunter2'] },
        { redact: (text) => text.replaceAll('hunter2', '***') },
      );
      expect(await scriptAdapter.plan(ctx)).toEqual({
        summary: 'will run: node deploy.mjs --token ***',
        details: [],
        reversible: false,
        changes: true,
      });
    });

    it('reports no change when the current command already shows the version', async () => {
      const ctx = workspace.context(fullConfig(workspace), { version: '1.0.0' });
      expect(await scriptAdapter.plan(ctx)).toMatchObject({
        changes: false,
        summary: 'already runs 1.0.0: nothing to run',
      });
    });
  });

  describe('current', () => {
    it('is unknown without a current command', async () => {
      expect(await scriptAdapter.current(workspace.context({ apply: ['node', 'deploy.mjs'] }))).toEqual({
        version: null,
      });
    });

    it('takes the last non-empty line the current command prints, trimmed', async () => {
      const script = await workspace.script(
        'version.mjs',
        `console.log('checking the cluster…'); process.stdout.write('  1.3.9  \\n\\n   \\n');`,
      );
      const ctx = workspace.context({ apply: ['node', 'deploy.mjs'], current: ['node', script] });
      expect(await scriptAdapter.current(ctx)).toEqual({ version: '1.3.9' });
    });
  });

  describe('verify', () => {
    it('is healthy when no verify command is set', async () => {
      const ctx = workspace.context({ apply: ['node', 'deploy.mjs'] });
      expect(await scriptAdapter.verify?.(ctx)).toEqual({ healthy: true, message: 'no verify command' });
    });

    it('is healthy when the verify command exits 0 and unhealthy otherwise, quoting its stderr', async () => {
      const script = await workspace.script(
        'smoke.mjs',
        `if (process.env.BATON_VERSION !== '2.0.0') { console.error('GET /health returned 503'); process.exit(1); }`,
      );
      const config: ScriptConfig = { apply: ['node', 'deploy.mjs'], verify: ['node', script] };
      expect(await scriptAdapter.verify?.(workspace.context(config))).toMatchObject({ healthy: true });
      const unhealthy = await scriptAdapter.verify?.(workspace.context(config, { version: '2.0.1' }));
      expect(unhealthy?.healthy).toBe(false);
      expect(unhealthy?.message).toContain('failed with exit code 1');
      expect(unhealthy?.message).toContain('GET /health returned 503');
    });
  });

  describe('rollback', () => {
    it('tells the command which version to restore in BATON_ROLLBACK_TO', async () => {
      const script = await workspace.script(
        'restore.mjs',
        `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.BATON_OUTPUT, 'restored=' + process.env.BATON_ROLLBACK_TO + '\\n');`,
      );
      const ctx = workspace.context({ apply: ['node', 'deploy.mjs'], rollback: ['node', script] });
      const result = await scriptAdapter.rollback?.(ctx, { version: '1.0.0' });
      expect(result?.outputs).toEqual({ restored: '1.0.0' });
      expect(result?.summary).toMatch(/^rolled back to 1\.0\.0: ran node restore\.mjs \(exit 0, \d+\.\ds\)$/);
      expect((await scriptAdapter.rollback?.(ctx, { version: null }))?.outputs).toEqual({ restored: '' });
    });

    it('refuses, naming the component, when no rollback command is set', async () => {
      const ctx = workspace.context({ apply: ['node', 'deploy.mjs'] });
      const error = await failure(Promise.resolve(scriptAdapter.rollback?.(ctx, { version: '1.0.0' })));
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('api has no rollback command');
      expect(error.message).toContain('`rollback:`');
    });
  });

  describe('settings', () => {
    function problems(input: unknown): string {
      const result = scriptAdapter.config.safeParse(input);
      return result.success ? '' : z.prettifyError(result.error);
    }

    it('accepts the documented example', () => {
      expect(
        problems({
          apply: ['node', 'scripts/deploy.mjs', '1.4.2'],
          plan: ['node', 'scripts/preview.mjs'],
          current: ['node', 'scripts/current.mjs'],
          verify: ['node', 'scripts/smoke.mjs'],
          rollback: ['node', 'scripts/rollback.mjs'],
          cwd: '.',
          env: { REGION: 'eu-west-1' },
        }),
      ).toBe('');
    });

    it('rejects a shell string where a command belongs, saying to use a list', () => {
      expect(problems({ apply: 'node deploy.mjs && echo done' })).toContain('`apply` must be a list of arguments');
    });

    it('rejects empty commands and empty arguments', () => {
      expect(problems({ apply: [] })).toContain('`apply` is empty');
      expect(problems({ apply: ['node', ''] })).toContain('`apply` has an empty argument');
    });

    it('rejects env names Baton sets itself and values that are not strings', () => {
      const text = problems({ apply: ['node'], env: { BATON_VERSION: 'x', PORT: 8080 } });
      expect(text).toContain('names starting with BATON_ are set by Baton itself');
      expect(text).toContain('environment values must be strings');
    });

    it('has the documented step defaults', () => {
      expect(scriptAdapter.step).toEqual({ timeoutMs: 600_000, retries: 2 });
    });
  });
});

describe('$BATON_OUTPUT format', () => {
  it('reads name=value and name<<DELIMITER values, later lines winning, CRLF tolerated', () => {
    expect(parseOutputFile('a=1\r\nb<<END\r\nx\r\ny\r\nEND\r\na=2\r\n')).toEqual({ a: '2', b: 'x\ny' });
  });

  it('rejects an unclosed multiline value and a bad name', () => {
    expect(() => parseOutputFile('notes<<EOF\nnever closed\n')).toThrow(
      new OutputFileError('line 1: the value of "notes" is never closed: write a line with just EOF after it'),
    );
    expect(() => parseOutputFile('has space=1')).toThrow(/"has space" is not a valid output name/);
  });
});

describe('input variable names', () => {
  it('upper-cases and replaces everything but letters and digits with _', () => {
    expect(inputVariableName('db-main', 'dsn.read-only')).toBe('BATON_INPUT_DB_MAIN_DSN_READ_ONLY');
  });
});

describe('durations in summaries', () => {
  it('shows tenths of seconds under a minute, then minutes and seconds', () => {
    expect([400, 12_345, 59_960, 119_700, 605_000].map(formatElapsed)).toEqual([
      '0.4s',
      '12.3s',
      '1m0s',
      '2m0s',
      '10m5s',
    ]);
  });
});
