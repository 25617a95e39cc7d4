/**
 * The program registry against real processes: what a step starts is on disk
 * while it runs, and a worker that restarts after a crash can stop what the
 * crashed one left running, without touching processes that only share a pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess } from '../adapters/kit/process.ts';
import { processStartTime } from '../src/process-groups.ts';
import { LocalProgramSupervisor } from '../src/program-supervisor.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A worker that starts a deploy program through runProcess and says so; the test then kills it. */
const CRASHING_WORKER = `
  const { runProcess } = await import('./adapters/kit/process.ts');
  const { LocalProgramSupervisor } = await import('./src/program-supervisor.ts');
  await runProcess(['sh', '-c', 'echo started; sleep 30 & sleep 30'], {
    cwd: '.',
    env: process.env,
    signal: new AbortController().signal,
    programs: new LocalProgramSupervisor(process.env.PROGRAMS_DIR),
    stepId: 'step-crashed',
    onLine: (line) => console.log(line),
  });`;

let dir: string;
const children: ChildProcess[] = [];
/** Process groups a test learned of after the fact, to kill if it fails midway. */
const leftoverGroups: number[] = [];

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'baton-programs-')), 'programs');
});

afterEach(async () => {
  const started = children.splice(0);
  for (const child of started) child.kill('SIGKILL');
  for (const pid of [...started.map((child) => child.pid), ...leftoverGroups.splice(0)]) {
    if (pid === undefined) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone: the test stopped it.
    }
  }
  await rm(join(dir, '..'), { recursive: true, force: true });
});

/** Starts `sh -c script` in its own process group, as runProcess does; resolves with its pid once it prints `ready`. */
async function startGroup(script: string, env: Record<string, string> = {}): Promise<number> {
  const child = spawn('sh', ['-c', script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout }).on('line', (line) => line === 'ready' && resolve());
  });
  if (child.pid === undefined) throw new Error('sh did not start');
  return child.pid;
}

/**
 * True while any process of the group has not exited. A zombie counts as
 * gone: an orphan's zombie stays until init reaps it, and some never do.
 */
function groupRunning(pid: number): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((entry) => {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        return false;
      }
      const [state, , processGroup] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(processGroup) === pid && state !== 'Z';
    });
}

function registryFiles(): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Waits until `check` holds, or gives up after `ms`. */
async function eventually(check: () => boolean, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('programs started through runProcess', () => {
  it('are on record while they run and off it once they exit', async () => {
    const supervisor = new LocalProgramSupervisor(dir);
    let whileRunning: unknown[] = [];
    let listedWhileRunning: { stepId: string; pid: number }[] = [];
    const outcome = await runProcess([process.execPath, '-e', "console.log('ready'); setTimeout(() => {}, 200)"], {
      cwd: tmpdir(),
      env: process.env,
      signal: new AbortController().signal,
      programs: supervisor,
      stepId: 'step-1',
      onLine: (line) => {
        if (line !== 'ready') return;
        whileRunning = registryFiles().map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown);
        listedWhileRunning = supervisor.leftovers();
      },
    });
    expect(outcome.exitCode).toBe(0);
    expect(whileRunning).toEqual([
      { stepId: 'step-1', pid: expect.any(Number), startTime: expect.stringMatching(/^\d+$/) },
    ]);
    expect(listedWhileRunning).toEqual([{ stepId: 'step-1', pid: (whileRunning[0] as { pid: number }).pid }]);
    expect(registryFiles()).toEqual([]);
  });
});

describe('stopLeftovers', () => {
  it('stops the program group a crashed worker left running, and only for that step', async () => {
    const pid = await startGroup('echo ready; sleep 30');
    // The first worker records the program and dies before it can say the program exited.
    new LocalProgramSupervisor(dir).started('step-crashed', pid);

    const restarted = new LocalProgramSupervisor(dir);
    expect(await restarted.stopLeftovers('step-other')).toBe(0);
    expect(groupRunning(pid)).toBe(true);
    expect(registryFiles()).toEqual([`${pid}.json`]);

    expect(await restarted.stopLeftovers('step-crashed')).toBe(1);
    expect(groupRunning(pid)).toBe(false);
    expect(registryFiles()).toEqual([]);
  });

  it('stops what runProcess started in a worker that was SIGKILLed', async () => {
    const worker = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CRASHING_WORKER], {
      cwd: REPO_ROOT,
      env: { ...process.env, PROGRAMS_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(worker);
    const lines = createInterface({ input: worker.stdout });
    await new Promise<void>((resolve, reject) => {
      worker.once('exit', (code) =>
        reject(new Error(`the worker exited with code ${code} before its program started`)),
      );
      lines.on('line', (line) => line === 'started' && resolve());
    });
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));

    const [file] = registryFiles();
    const { pid } = JSON.parse(readFileSync(join(dir, file ?? 'missing'), 'utf8')) as { pid: number };
    leftoverGroups.push(pid);
    expect(groupRunning(pid)).toBe(true);
    const restarted = new LocalProgramSupervisor(dir);
    expect(restarted.leftovers()).toEqual([{ stepId: 'step-crashed', pid }]);
    expect(await restarted.stopLeftovers('step-crashed')).toBe(1);
    expect(groupRunning(pid)).toBe(false);
    expect(registryFiles()).toEqual([]);
  });

  it("stops a step's program whose start was never noted (its worker died in between), and no other step's or Baton's", async () => {
    const marked = (folder: string, stepId: string) => new LocalProgramSupervisor(folder).environmentFor(stepId);
    const unnoted = await startGroup('echo ready; sleep 30', marked(dir, 'step-crashed'));
    const otherStep = await startGroup('echo ready; sleep 30', marked(dir, 'step-other'));
    const otherBaton = await startGroup('echo ready; sleep 30', marked(`${dir}-elsewhere`, 'step-crashed'));
    expect(registryFiles()).toEqual([]);

    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed')).toBe(1);
    expect(groupRunning(unnoted)).toBe(false);
    expect(groupRunning(otherStep)).toBe(true);
    expect(groupRunning(otherBaton)).toBe(true);
  });

  it('stops a helper that outlived the program it was noted under', async () => {
    const mark = new LocalProgramSupervisor(dir).environmentFor('step-crashed');
    // The deploy script started a migration in the background and died (say, of SIGPIPE once its worker was killed).
    const leader = await startGroup('sleep 30 & echo ready; exit 0', mark);
    new LocalProgramSupervisor(dir).started('step-crashed', leader);
    expect(await eventually(() => processStartTime(leader) === undefined)).toBe(true);
    expect(groupRunning(leader)).toBe(true);

    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed')).toBe(1);
    expect(groupRunning(leader)).toBe(false);
  });

  it('finds what runProcess started by its mark once its record is gone, the helpers it started included', async () => {
    const supervisor = new LocalProgramSupervisor(dir);
    const abandoned = new AbortController();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const run = runProcess(['sh', '-c', 'sleep 30 & echo ready; wait'], {
      cwd: '.',
      env: process.env,
      signal: abandoned.signal,
      programs: supervisor,
      stepId: 'step-crashed',
      onLine: (line) => line === 'ready' && ready(),
    });
    await started;
    const [file] = registryFiles();
    const { pid } = JSON.parse(readFileSync(join(dir, file ?? 'missing'), 'utf8')) as { pid: number };
    leftoverGroups.push(pid);
    // As if the worker had died before writing it.
    await rm(join(dir, file ?? 'missing'));

    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed')).toBe(1);
    expect(groupRunning(pid)).toBe(false);
    expect((await run).exitSignal).toBe('SIGTERM');
  });

  it('stops every process of the group, not only the one it recorded', async () => {
    const pid = await startGroup('sleep 30 & sleep 30 & echo ready; wait');
    new LocalProgramSupervisor(dir).started('step-crashed', pid);
    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed')).toBe(1);
    expect(groupRunning(pid)).toBe(false);
  });

  it('does not wait on a leader that exited but was never reaped, as after a crash under an init that does not reap', async () => {
    // The leader starts a helper and exits; its parent has become `sleep`, which never reaps it.
    const parent = spawn('sh', ['-c', `setsid sh -c 'sleep 30 & echo $$; exit 0' & exec sleep 30`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(parent);
    const leader = await new Promise<number>((resolve) =>
      createInterface({ input: parent.stdout }).once('line', (line) => resolve(Number(line))),
    );
    leftoverGroups.push(leader);
    new LocalProgramSupervisor(dir).started('step-crashed', leader);

    const startedAt = Date.now();
    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed')).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(groupRunning(leader)).toBe(false);
  });

  it('kills a group that ignores SIGTERM once the grace is over', async () => {
    // Ready only once the trap is set: a SIGTERM before it would end the shell too early.
    const pid = await startGroup('trap "" TERM; echo ready; sleep 30');
    new LocalProgramSupervisor(dir).started('step-crashed', pid);
    const startedAt = Date.now();
    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed', 300)).toBe(1);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(groupRunning(pid)).toBe(false);
  });

  it('leaves alone a process that only has the recorded pid, and clears the record', async () => {
    const pid = await startGroup('echo ready; sleep 30');
    // As if the recorded program had exited long ago and the pid been given to this process.
    new LocalProgramSupervisor(dir).started('step-crashed', pid);
    const file = join(dir, `${pid}.json`);
    const record = JSON.parse(readFileSync(file, 'utf8')) as { startTime: string };
    writeFileSync(file, JSON.stringify({ ...record, startTime: String(Number(record.startTime) - 1) }));

    const restarted = new LocalProgramSupervisor(dir);
    expect(restarted.leftovers()).toEqual([]);
    expect(await restarted.stopLeftovers('step-crashed')).toBe(0);
    expect(groupRunning(pid)).toBe(true);
    expect(registryFiles()).toEqual([]);
  });

  it('clears records of programs that have exited and records it cannot read', async () => {
    const pid = await startGroup('echo ready; exit 0');
    new LocalProgramSupervisor(dir).started('step-crashed', pid);
    expect(await eventually(() => !groupRunning(pid))).toBe(true);
    writeFileSync(join(dir, '12345.json'), '{"stepId": "step-crashed", "pi');

    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-crashed')).toBe(0);
    expect(registryFiles()).toEqual([]);
  });

  it('finds nothing to stop when nothing was ever recorded', async () => {
    expect(await new LocalProgramSupervisor(dir).stopLeftovers('step-1')).toBe(0);
    expect(await new LocalProgramSupervisor(undefined).stopLeftovers('step-1')).toBe(0);
  });
});

describe('exited', () => {
  it('resolves once every program has exited', async () => {
    const supervisor = new LocalProgramSupervisor(undefined);
    const exited = supervisor.started('step-1', 1_000_001);
    let resolved = false;
    const waiting = supervisor.exited(10_000).then(() => (resolved = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolved).toBe(false);
    exited();
    await waiting;
    expect(resolved).toBe(true);
  });

  it('gives up after the time it was given while a program still runs', async () => {
    const supervisor = new LocalProgramSupervisor(undefined);
    supervisor.started('step-1', 1_000_002);
    const startedAt = Date.now();
    await supervisor.exited(200);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
  });

  it('waits for a real program aborted at shutdown', async () => {
    const supervisor = new LocalProgramSupervisor(dir);
    const controller = new AbortController();
    const run = runProcess(['sh', '-c', 'echo ready; sleep 30'], {
      cwd: tmpdir(),
      env: process.env,
      signal: controller.signal,
      programs: supervisor,
      stepId: 'step-1',
      onLine: (line) => line === 'ready' && controller.abort(),
    });
    await supervisor.exited(5_000);
    expect(registryFiles()).toEqual([]);
    expect((await run).aborted).toBe(true);
  });
});
