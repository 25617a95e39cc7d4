/**
 * `<data>/baton.pid`: the process that writes a data folder says so, so that
 * a second one (another bot, `baton compact`) refuses instead of interleaving
 * its writes. A file left by a process that is gone is taken over.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BatonError, ErrorCode } from '../errors.ts';

export const PID_FILE = 'baton.pid';

export interface HeldPidFile {
  /** Removes the file, unless another process of this folder has taken it over since. */
  release(): void;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process killed but not yet reaped by its parent is gone for our purpose.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The process holding the folder, when one runs; this process does not count. */
export function pidHolding(dataDir: string): number | undefined {
  const pid = readPid(join(dataDir, PID_FILE));
  return pid !== undefined && pid !== process.pid && running(pid) ? pid : undefined;
}

export function inUseMessage(dataDir: string, pid: number | undefined): string {
  const path = join(dataDir, PID_FILE);
  return `${dataDir} is in use by Baton${pid === undefined ? '' : ` process ${pid}`} (${path}); stop it first. If no Baton runs there, remove ${path}.`;
}

/**
 * Writes the pid file with O_EXCL, taking over one whose process is gone (or
 * is this one: a restart in a container gets the same pid); throws when
 * another live process holds the folder.
 */
export function holdPidFile(dataDir: string): HeldPidFile {
  const path = join(dataDir, PID_FILE);
  // Tells this holder from another in the same process, which takes the file over.
  const content = `${process.pid}\n${randomUUID()}\n`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = pidHolding(dataDir);
      // A second time means another process took the file over at the same moment.
      if (holder !== undefined || attempt > 0) throw new BatonError(ErrorCode.Conflict, inUseMessage(dataDir, holder));
      removeStale(path);
    }
  }
  return {
    release() {
      try {
        if (readFileSync(path, 'utf8') === content) unlinkSync(path);
      } catch {
        // Already gone: nothing to let go of.
      }
    },
  };
}
