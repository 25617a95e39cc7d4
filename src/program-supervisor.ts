/**
 * Remembers, in a folder that outlives the process, every program a step
 * started: a worker killed mid-step leaves its detached programs running, and
 * the worker that restarts must stop them before it judges what the step did.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProgramSupervisor } from './core/adapter-contract.ts';
import { groupRunning, groupsMarkedWith, processStartTime, stopProcessGroup } from './process-groups.ts';

/** How long a leftover process group has to exit after SIGTERM before it gets SIGKILL. */
export const LEFTOVER_GRACE_MS = 5_000;

/**
 * Every program of a step carries this variable (the registry folder and the
 * step id), so a program whose record was never written is found all the same.
 */
const PROGRAM_MARK = 'BATON_PROGRAM_OF';

/** Only files named like this are registry entries; anything else in the folder is left alone. */
const ENTRY_FILE = /^(\d+)\.json$/;

/** What the registry keeps per program, one file each. */
interface ProgramRecord {
  stepId: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells the program apart from a later process given the same pid. Null where there is no /proc. */
  startTime: string | null;
}

function readRecord(file: string): ProgramRecord | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { stepId, pid, startTime } = value as Record<string, unknown>;
    if (typeof stepId !== 'string' || typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1) return undefined;
    if (typeof startTime !== 'string' && startTime !== null) return undefined;
    return { stepId, pid, startTime };
  } catch {
    return undefined;
  }
}

/**
 * True when the record's program is still the process with that pid (same
 * start time, so not a recycled pid) and its group has not finished.
 */
function stillRunning(record: ProgramRecord): boolean {
  // Without a start time to compare, a live pid may be anyone's: better to leave a leftover than kill a stranger.
  if (record.startTime === null) return false;
  return processStartTime(record.pid) === record.startTime && groupRunning(record.pid);
}

/**
 * Keeps a file per running program in `dir`, so another process can stop
 * it. Without a folder it only tracks programs in memory (for tests, and for
 * `exited` at shutdown).
 */
export class LocalProgramSupervisor implements ProgramSupervisor {
  /** Per pid, a promise that settles when the program has exited. */
  private readonly running = new Map<number, Promise<void>>();

  constructor(private readonly dir: string | undefined) {}

  started(stepId: string, pid: number): () => void {
    const file = this.fileFor(pid);
    if (file !== undefined) this.write(file, { stepId, pid, startTime: processStartTime(pid) ?? null });
    let markExited!: () => void;
    const entry = new Promise<void>((resolve) => (markExited = resolve));
    this.running.set(pid, entry);
    return () => {
      // Only the entry that is still the pid's own: a late call must not forget a newer program.
      if (this.running.get(pid) !== entry) return;
      this.running.delete(pid);
      if (file !== undefined) rmSync(file, { force: true });
      markExited();
    };
  }

  environmentFor(stepId: string): Record<string, string> {
    return this.dir === undefined ? {} : { [PROGRAM_MARK]: this.markOf(stepId) };
  }

  /**
   * Resolves once every program started here has exited, or after `ms`: a
   * worker that stops its steps at shutdown waits for their programs to go
   * (each got SIGTERM from its step's abort) rather than leave them running
   * beside the worker that takes the steps over.
   */
  async exited(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.all(this.running.values()), late]);
    clearTimeout(timer);
  }

  /**
   * Stops every program of `stepId` that still runs, whoever started it: the
   * ones the registry lists, and any carrying the step's mark that it does
   * not (a worker killed between starting a program and noting it). Clears
   * the step's records. Returns how many process groups it stopped.
   */
  async stopLeftovers(stepId: string, graceMs = LEFTOVER_GRACE_MS): Promise<number> {
    const recorded = this.records()
      .filter(({ record }) => record === undefined || record.stepId === stepId)
      .map(async ({ file, record }) => {
        const stopped = record !== undefined && stillRunning(record) && (await stopProcessGroup(record.pid, graceMs));
        rmSync(file, { force: true });
        return stopped;
      });
    const stopped = (await Promise.all(recorded)).filter(Boolean).length;
    if (this.dir === undefined) return stopped;
    // Looked for once the recorded groups are gone: what carries the mark now was never noted, or outlived its leader.
    const unrecorded = groupsMarkedWith(`${PROGRAM_MARK}=${this.markOf(stepId)}`);
    return (
      stopped + (await Promise.all(unrecorded.map((group) => stopProcessGroup(group, graceMs)))).filter(Boolean).length
    );
  }

  /** The programs the registry lists that still run, whichever process started them. */
  leftovers(): { stepId: string; pid: number }[] {
    return this.records()
      .flatMap(({ record }) => (record !== undefined && stillRunning(record) ? [record] : []))
      .map(({ stepId, pid }) => ({ stepId, pid }));
  }

  /** Every registry file, with its record, or undefined where the file is damaged. */
  private records(): { file: string; record: ProgramRecord | undefined }[] {
    const dir = this.dir;
    if (dir === undefined) return [];
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.flatMap((name) => {
      const pid = ENTRY_FILE.exec(name)?.[1];
      if (pid === undefined) return [];
      const file = join(dir, name);
      const record = readRecord(file);
      // A record filed under another pid's name was not written by `started`.
      return [{ file, record: record?.pid === Number(pid) ? record : undefined }];
    });
  }

  /** The step's mark: the folder too, so that two Batons on one machine never take each other's programs for their own. */
  private markOf(stepId: string): string {
    return JSON.stringify([resolve(this.dir ?? ''), stepId]);
  }

  private fileFor(pid: number): string | undefined {
    return this.dir === undefined ? undefined : join(this.dir, `${pid}.json`);
  }

  /** Synchronous, so the record is on disk before the caller yields and the program gets far. */
  private write(file: string, record: ProgramRecord): void {
    if (this.dir !== undefined) mkdirSync(this.dir, { recursive: true });
    // Written aside, then renamed: a reader never sees half a record.
    const partial = `${file}.partial`;
    writeFileSync(partial, `${JSON.stringify(record)}\n`);
    renameSync(partial, file);
  }
}
