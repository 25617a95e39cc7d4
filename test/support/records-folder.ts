/**
 * A data folder with a real bot's records in it, for `baton check` and
 * `baton compact`: promotions to dev on an in-memory target, one of them
 * failing and rolled back, the bot closed again.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton } from '../../src/app.ts';
import { consoleClient, replyText } from './console-client.ts';
import { FakeTarget, fakeLookup } from './fake-adapter.ts';
import { silentLogger } from './silent-logger.ts';

const CONFIG = `version: 1
environments:
  - name: dev
    channel: "#deploys"
components:
  api: { adapter: fake, with: { failOn: "1.0.3" } }
  worker: { adapter: fake, needs: [api] }
`;

/** Promotes `api=… worker=…` to dev for each version, waiting for each to finish; returns the data folder. */
export async function folderWithRecords(versions = ['1.0.1', '1.0.2', '1.0.3', '1.0.4']): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-records-'));
  const configPath = join(dataDir, 'baton.yaml');
  await writeFile(configPath, CONFIG);
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    adapters: fakeLookup(new FakeTarget()),
    retryDelayMs: 10,
  });
  try {
    const chat = consoleClient(baton.url);
    for (const version of versions) {
      const reply = await chat.command('alice', `/promote api=${version} worker=${version} to dev`);
      if (!/promotion #\d+/.test(replyText(reply))) throw new Error(`no promotion was created: ${replyText(reply)}`);
      await baton.idle();
    }
  } finally {
    await baton.close();
  }
  return dataDir;
}

/** The `baton` command as a user runs it; killed after 30 s (a `start` that should have refused). */
export function baton(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/baton.js', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
