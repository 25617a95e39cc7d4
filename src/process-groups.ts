/**
 * Looks at and stops process groups through /proc and signals, for programs
 * this process may not have started itself (so it has no handle to wait on).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long to wait for a SIGKILLed group to be gone; the kernel needs a moment, not a grace. */
const KILLED_WAIT_MS = 1_000;

const POLL_MS = 50;

/** What Baton needs from /proc/<pid>/stat. */
interface ProcessStat {
  /** R, S, D…; Z when it has exited and waits to be reaped. */
  state: string;
  processGroup: number;
  /** Field 22, in clock ticks since boot: tells a process apart from a later one given the same pid. */
  startTime: string;
}

/** The process's /proc/<pid>/stat, or undefined when there is no such process (or no /proc). */
function processStat(pid: number | string): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces or ')': fields 3.. follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, processGroup, startTime] = [fields[3 - 3], fields[5 - 3], fields[22 - 3]];
  if (state === undefined || processGroup === undefined || startTime === undefined) return undefined;
  return { state, processGroup: Number(processGroup), startTime };
}

/** When the process with `pid` started (field 22 of /proc/<pid>/stat), or undefined without such a process or /proc. */
export function processStartTime(pid: number): string | undefined {
  return processStat(pid)?.startTime;
}

/** Sends `signal` to the group `pid` leads; false when the group is gone or not ours to signal. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    // A negative pid addresses the process group.
    process.kill(-pid, signal);
    return true;
  } catch {
    // ESRCH: the group has exited. EPERM: it belongs to another user, so it is not a program Baton started.
    return false;
  }
}

/**
 * True while any process of the group `pid` leads has not exited. Zombies do
 * not count: a program orphaned by a crash may stay one for good where the
 * init process does not reap.
 */
export function groupRunning(pid: number): boolean {
  if (!signalGroup(pid, 0)) return false;
  const pids = processIds();
  // No /proc to look closer: the group answered, so take it as running.
  if (pids === undefined) return true;
  return pids.some((entry) => {
    const stat = processStat(entry);
    return stat !== undefined && stat.processGroup === pid && alive(stat);
  });
}

/** The pids /proc lists, or undefined where there is no /proc. */
function processIds(): string[] | undefined {
  try {
    return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
}

/** Not exited: a zombie waits only to be reaped. */
function alive(stat: ProcessStat): boolean {
  return stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * The process groups of every process whose environment holds `entry`
 * (`NAME=value`, exactly), except this process's own group; none without
 * /proc. Processes of other users are not readable, and are not Baton's.
 */
export function groupsMarkedWith(entry: string): number[] {
  const own = processStat(process.pid)?.processGroup;
  const groups = new Set<number>();
  for (const pid of processIds() ?? []) {
    let environment: string;
    try {
      environment = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (!environment.split('\0').includes(entry)) continue;
    const stat = processStat(pid);
    if (stat && stat.processGroup !== own && alive(stat)) groups.add(stat.processGroup);
  }
  return [...groups];
}

async function groupGone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (groupRunning(pid)) {
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/**
 * Sends SIGTERM to the group `pid` leads, gives it `graceMs` to exit, then
 * sends SIGKILL. False when there was no group to signal.
 */
export async function stopProcessGroup(pid: number, graceMs: number): Promise<boolean> {
  if (!signalGroup(pid, 'SIGTERM')) return false;
  if (await groupGone(pid, graceMs)) return true;
  signalGroup(pid, 'SIGKILL');
  await groupGone(pid, KILLED_WAIT_MS);
  return true;
}
