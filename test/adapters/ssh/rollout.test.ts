/**
 * What a person sees when the ssh adapter deploys to three real OpenSSH
 * servers: batches in order, a stop at the first failed batch, host-prefixed
 * output, arguments that arrive exactly as written, step ids for idempotency,
 * cancelled commands that really stop, and rollback.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryableStepError, TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { connect } from '../../../adapters/ssh/connect.ts';
import { sshAdapter } from '../../../adapters/ssh/index.ts';
import { runRemoteCommand } from '../../../adapters/ssh/remote-process.ts';
import type { SshConfig } from '../../../adapters/ssh/schema.ts';
import { prepareTarget } from '../../../adapters/ssh/target.ts';
import type { TestAdapterContext } from '../context.ts';
import { makeWorkspace, startSshLab, type SshLab, type Workspace } from './workspace.ts';

let lab: SshLab;
let workspace: Workspace;
let first: string;
let second: string;
let third: string;

beforeAll(async () => {
  lab = await startSshLab();
});

afterAll(async () => {
  await lab.stop();
});

beforeEach(async () => {
  workspace = await makeWorkspace(lab);
  [first = '', second = '', third = ''] = workspace.hosts;
});

afterEach(async () => {
  await workspace.remove();
});

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

describe('ssh adapter: rolling apply', () => {
  it('runs batches of 2 at once and starts the next batch only when the whole batch is done', async () => {
    // Each host waits until two have started: were the batch run one host at a time, the first would end before the second started.
    const ctx = workspace.context(
      workspace.settings({ env: { STATE_DIR: workspace.stateDir, STARTS_BEFORE_DEPLOY: '2' } }),
    );
    const result = await sshAdapter.apply(ctx);

    const journal = await workspace.journal();
    expect(journal.slice(0, 2).sort()).toEqual([`start ${first}`, `start ${second}`].sort());
    expect(journal.slice(2, 4).sort()).toEqual([`end ${first}`, `end ${second}`].sort());
    expect(journal.slice(4)).toEqual([`start ${third}`, `end ${third}`]);
    for (const host of workspace.hosts) expect(await workspace.versionOn(host)).toBe('2.0.0');
    expect(result.summary).toMatch(
      /^ran `sh .*deploy\.sh 2\.0\.0 \{\{BATON_STEP_ID\}\}` on 3 hosts in 2 batches, all exited 0 \(\d+\.\ds\)$/,
    );
    expect(result.outputs).toEqual({ hosts: workspace.hosts.join(',') });
  });

  it('stops at the first failed batch: later hosts are untouched and the error says which hosts changed', async () => {
    const ctx = workspace.context(workspace.settings({ env: { STATE_DIR: workspace.stateDir, FAIL_ON_HOST: second } }));
    const error = await failure(sshAdapter.apply(ctx));

    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      `(command of api in dev) failed on ${second} in batch 1 of 2, so Baton stopped before the next batch.`,
    );
    expect(error.message).toContain(`${second}: exit code 3 after`);
    expect(error.message).toContain(`disk full on ${second}`);
    expect(error.message).toContain(`Changed (the command exited 0): ${first}.`);
    expect(error.message).toContain(`May be partly changed (the command started but did not finish well): ${second}.`);
    expect(error.message).toContain(`Not changed: ${third}.`);
    expect(await workspace.versionOn(first)).toBe('2.0.0');
    expect(await workspace.versionOn(second)).toBe('1.0.0');
    expect(await workspace.versionOn(third)).toBe('1.0.0');
    expect((await workspace.journal()).some((line) => line.includes(third))).toBe(false);
  });

  it('with batches of 1, a failure on the second host leaves the third alone', async () => {
    const ctx = workspace.context(
      workspace.settings({ batchSize: 1, env: { STATE_DIR: workspace.stateDir, FAIL_ON_HOST: second } }),
    );
    const error = await failure(sshAdapter.apply(ctx));
    expect(error.message).toContain(`failed on ${second} in batch 2 of 3`);
    expect(await workspace.journal()).toEqual([`start ${first}`, `end ${first}`, `start ${second}`]);
  });

  it('streams every line of every host to the step log, prefixed with the host', async () => {
    const script = await workspace.script(
      'chatty.sh',
      'echo "out from $BATON_HOST"; echo "err from $BATON_HOST" >&2; printf "no newline"',
    );
    const ctx = workspace.context(workspace.settings({ command: ['sh', script] }));
    await sshAdapter.apply(ctx);
    for (const host of workspace.hosts) {
      expect(ctx.logged).toContain(`[${host}] out from ${host}`);
      expect(ctx.logged).toContain(`[${host}] err from ${host}`);
      expect(ctx.logged).toContain(`[${host}] no newline`);
      expect(ctx.logged).toContain(`[${host}] $ sh ${script}`);
      expect(
        ctx.logged.some((line) => /^\[.*\] exit 0 after \d+\.\ds$/.test(line) && line.startsWith(`[${host}]`)),
      ).toBe(true);
    }
    expect(ctx.logged.some((line) => line.includes('baton-process-group'))).toBe(false);
  });

  it('passes arguments and env values literally: quotes, spaces, $(…), backticks and newlines are not shell syntax', async () => {
    const marker = join(workspace.dir, 'shell-ran');
    const version = `1.2 "it's" $(touch ${marker}) \`touch ${marker}\`; touch ${marker} & | * $HOME \\n\nsecond line`;
    const script = await workspace.script(
      'echo-arg.sh',
      `printf '%s' "$1" > "$STATE_DIR/arg-$BATON_HOST"; printf '%s' "$ODD" > "$STATE_DIR/env-$BATON_HOST"`,
    );
    const ctx = workspace.context(
      workspace.settings({
        hosts: [first],
        command: ['sh', script, version],
        env: { STATE_DIR: workspace.stateDir, ODD: version },
      }),
    );
    await sshAdapter.apply(ctx);
    expect(await readFile(join(workspace.stateDir, `arg-${first}`), 'utf8')).toBe(version);
    expect(await readFile(join(workspace.stateDir, `env-${first}`), 'utf8')).toBe(version);
    expect(existsSync(marker)).toBe(false);
  });

  it('gives the command the step in BATON_* variables and {{BATON_…}} tokens', async () => {
    const script = await workspace.script(
      'env.sh',
      `env | grep '^BATON_' | sort > "$STATE_DIR/env-$BATON_HOST"; printf '%s\\n' "$@" > "$STATE_DIR/args-$BATON_HOST"`,
    );
    const ctx = workspace.context(
      workspace.settings({ hosts: [first], command: ['sh', script, '{{BATON_STEP_ID}}', 'v={{BATON_VERSION}}'] }),
      { stepId: 'step-42', promotionId: 'p-7', environment: 'staging', version: '1.4.2', previousVersion: null },
    );
    await sshAdapter.apply(ctx);
    expect((await readFile(join(workspace.stateDir, `env-${first}`), 'utf8')).trim().split('\n')).toEqual([
      'BATON_COMPONENT=api',
      'BATON_ENVIRONMENT=staging',
      `BATON_HOST=${first}`,
      'BATON_PREVIOUS_VERSION=',
      'BATON_PROMOTION_ID=p-7',
      'BATON_STEP_ID=step-42',
      'BATON_VERSION=1.4.2',
    ]);
    expect(await readFile(join(workspace.stateDir, `args-${first}`), 'utf8')).toBe('step-42\nv=1.4.2\n');
  });

  it('lets a script recognise a step id it already applied, so a second apply changes nothing', async () => {
    const ctx = workspace.context(workspace.settings());
    await sshAdapter.apply(ctx);
    const again = workspace.context(workspace.settings(), { stepId: ctx.stepId });
    await sshAdapter.apply(again);
    for (const host of workspace.hosts) {
      expect(again.logged).toContain(`[${host}] step ${ctx.stepId} already applied on ${host}`);
      expect((await readFile(join(workspace.stateDir, `${host.replace(':', '_')}.steps`), 'utf8')).trim()).toBe(
        ctx.stepId,
      );
    }
  });

  it('gives the command an empty standard input, so a question fails instead of waiting', async () => {
    const script = await workspace.script(
      'ask.sh',
      'printf "Continue? "; read -r answer || { echo "no answer" >&2; exit 5; }',
    );
    const error = await failure(
      sshAdapter.apply(workspace.context(workspace.settings({ hosts: [first], command: ['sh', script] }))),
    );
    expect(error.message).toContain(`${first}: exit code 5 after`);
    expect(error.message).toContain('no answer');
  });

  it('asks for another attempt when the command exits 75 (EX_TEMPFAIL)', async () => {
    const script = await workspace.script('busy.sh', 'echo "package lock is held" >&2; exit 75');
    const error = await failure(sshAdapter.apply(workspace.context(workspace.settings({ command: ['sh', script] }))));
    expect(error).toBeInstanceOf(RetryableStepError);
    expect(error.message).toContain('exit code 75 (temporary failure)');
    expect(error.message).toContain('package lock is held');
    expect(error.message).toContain(`Not changed: ${third}.`);
  });

  it('says what exit code 127 means when the program is missing on the host', async () => {
    const ctx = workspace.context(workspace.settings({ hosts: [first], command: ['/opt/nowhere/deploy.sh', '2.0.0'] }));
    const error = await failure(sshAdapter.apply(ctx));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(`${first}: exit code 127`);
    expect(error.message).toMatch(/\/opt\/nowhere\/deploy\.sh: (No such file or directory|not found)/);
    expect(error.message).toContain('Exit code 127 usually means a program was not found on the host');
  });

  it('redacts secrets in errors', async () => {
    const script = await workspace.script('leak.sh', 'echo "token is $1" >&2; exit 1');
    const ctx = workspace.context(workspace.settings({ hosts: [first], command: ['sh', script, 'hunter2'] }), {
      redact: (text) => text.replaceAll('hunter2', '***'),
    });
    const error = await failure(sshAdapter.apply(ctx));
    expect(error.message).toContain('token is ***');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('ssh adapter: stopping', () => {
  const longRunning = `
echo $$ > "$STATE_DIR/parent-$BATON_HOST.pid"
sleep 60 &
echo $! > "$STATE_DIR/child-$BATON_HOST.pid"
echo ready
wait`;

  it('kills the remote commands and everything they started when the step is aborted', async () => {
    const script = await workspace.script('long.sh', longRunning);
    let ready = 0;
    const ctx: TestAdapterContext<SshConfig> = workspace.context(workspace.settings({ command: ['sh', script] }), {
      log: (line) => {
        if (line.endsWith('] ready') && ++ready === 2) ctx.abort(new Error('step timed out after 30m'));
      },
    });
    const startedAt = Date.now();
    const error = await failure(sshAdapter.apply(ctx));

    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('was stopped while it ran in batch 1 of 2');
    expect(error.message).toContain('step timed out after 30m');
    expect(error.message).toContain(`Baton stopped the running command on ${first}, ${second}.`);
    expect(error.message).toContain(`Not changed: ${third}.`);
    // Stopped, not waited for: the remote sleep runs 60 s, and a loaded machine may take seconds to tear the sessions down.
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    for (const host of [first, second]) {
      const parent = Number(await readFile(join(workspace.stateDir, `parent-${host}.pid`), 'utf8'));
      const child = Number(await readFile(join(workspace.stateDir, `child-${host}.pid`), 'utf8'));
      expect(await eventually(() => !isRunning(parent) && !isRunning(child), 3_000)).toBe(true);
      expect(ctx.logged.some((line) => line.startsWith(`[${host}] stopped after `))).toBe(true);
    }
    expect(existsSync(join(workspace.stateDir, `parent-${third}.pid`))).toBe(false);
  });

  it('kills a remote process group that ignores SIGTERM once the grace period is over', async () => {
    const ctx = workspace.context(workspace.settings());
    const target = await prepareTarget(ctx);
    const [host] = target.hosts;
    if (host === undefined) throw new Error('no host');
    const connection = await connect(host, target.login, ctx.signal);
    const controller = new AbortController();
    const lines: string[] = [];
    try {
      const outcome = await runRemoteCommand(
        connection.client,
        ['sh', '-c', "trap 'echo ignoring SIGTERM' TERM; echo ready; while :; do sleep 0.1; done"],
        {},
        {
          signal: controller.signal,
          killGraceMs: 300,
          onLine: (line) => {
            lines.push(line);
            if (line === 'ready') controller.abort();
          },
        },
      );
      expect(outcome).toMatchObject({ aborted: true, exited: true, exitCode: null, exitSignal: 'SIGKILL' });
      expect(lines).toContain('ignoring SIGTERM');
    } finally {
      connection.client.end();
    }
  });

  it('does not contact any host when the step was cancelled before it started', async () => {
    const ctx = workspace.context(workspace.settings());
    ctx.abort(new Error('cancelled by alice'));
    const error = await failure(sshAdapter.apply(ctx));
    expect(error.message).toContain('was stopped before it started on any host');
    expect(error.message).toContain('cancelled by alice');
    expect(ctx.logged).toEqual([]);
    expect(await workspace.journal()).toEqual([]);
  });
});

describe('ssh adapter: rollback, current and plan', () => {
  it('rolls every host back to the version that ran before, given as argument and BATON_ROLLBACK_TO', async () => {
    const ctx = workspace.context(workspace.settings());
    await sshAdapter.apply(ctx);
    const result = await sshAdapter.rollback?.(ctx, { version: '1.0.0' });
    expect(result?.summary).toMatch(
      /^rolled back to 1\.0\.0: ran `sh .*rollback\.sh \{\{BATON_ROLLBACK_TO\}\}` on 3 hosts in 2 batches/,
    );
    for (const host of workspace.hosts) expect(await workspace.versionOn(host)).toBe('1.0.0');
    expect((await workspace.journal()).filter((line) => line.startsWith('rollback'))).toHaveLength(3);
  });

  it('refuses to roll back without a rollbackCommand, naming the component', async () => {
    const ctx = workspace.context(workspace.settings({ rollbackCommand: undefined }));
    const error = await failure(Promise.resolve(sshAdapter.rollback?.(ctx, { version: '1.0.0' })));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('api has no rollbackCommand');
  });

  it('reads the version from the last line currentCommand prints on the first host', async () => {
    await workspace.script('version.sh', `echo "checking…"; printf '  1.3.9  \\n\\n   \\n'`);
    const ctx = workspace.context(workspace.settings({ currentCommand: ['sh', join(workspace.dir, 'version.sh')] }));
    expect(await sshAdapter.current(ctx)).toEqual({ version: '1.3.9', detail: { host: first } });
    expect(ctx.logged.filter((line) => line.includes('$ sh'))).toHaveLength(1);
  });

  it('plans the rollout with what each host runs, and sees nothing to do once every host runs the version', async () => {
    const ctx = workspace.context(workspace.settings());
    const preview = await sshAdapter.plan(ctx);
    expect(preview.summary).toMatch(
      /^run `sh .*deploy\.sh 2\.0\.0 \{\{BATON_STEP_ID\}\}` on 3 hosts in 2 batches of up to 2$/,
    );
    expect(preview.details).toEqual(workspace.hosts.map((host) => `${host}: runs 1.0.0`));
    expect(preview).toMatchObject({ reversible: true, changes: true });

    await sshAdapter.apply(ctx);
    expect(await sshAdapter.plan(ctx)).toMatchObject({
      summary: 'already runs 2.0.0 on all 3 hosts: nothing to run',
      changes: false,
    });
  });

  it('plans a change while any host still runs another version', async () => {
    await sshAdapter.apply(workspace.context(workspace.settings({ hosts: [first, second] })));
    const preview = await sshAdapter.plan(workspace.context(workspace.settings()));
    expect(preview.changes).toBe(true);
    expect(preview.details).toEqual([`${first}: runs 2.0.0`, `${second}: runs 2.0.0`, `${third}: runs 1.0.0`]);
  });

  it('without currentCommand, a plan still logs in to every host to check its key', async () => {
    const preview = await sshAdapter.plan(
      workspace.context(workspace.settings({ currentCommand: undefined, batchSize: 1 })),
    );
    expect(preview.summary).toMatch(/ on 3 hosts in 3 batches$/);
    expect(preview.details).toEqual(workspace.hosts.map((host) => `${host}: login and host key check passed`));
  });
});
