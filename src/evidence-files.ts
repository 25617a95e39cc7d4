/** Evidence bundles on disk: each written to a temporary name, synced, then renamed, so a crash leaves the whole file or none. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EvidenceFiles } from './core/capabilities.ts';

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const evidenceFilesOnDisk: EvidenceFiles = {
  async write(folder, name, content) {
    const target = resolve(folder, name);
    await mkdir(resolve(folder), { recursive: true });
    const temporary = join(resolve(folder), `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temporary, 'wx', 0o640);
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await syncFolder(resolve(folder));
    return target;
  },
  async read(path) {
    try {
      return await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
};
