/**
 * A `script` component made to be cut off by a crash: its apply program
 * notes its pid and that it started, sleeps, then writes the version into a
 * state file (the target); `current` prints that file. Kill Baton while it
 * sleeps and look at what recovery made of it.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EvidenceBundle } from '../../src/core/evidence.ts';
import { EVIDENCE_HEADERS } from './api-tokens.ts';
import { until } from './baton-process.ts';
import { replyText, threadLines, type ConsoleClient } from './console-client.ts';

// Only the first run sleeps (the one Baton is killed in); every run appends its pid to applies.log.
const APPLY_SCRIPT = `
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
const dir = process.env.SCENE_DIR;
let earlier = '';
try { earlier = readFileSync(join(dir, 'applies.log'), 'utf8'); } catch {}
appendFileSync(join(dir, 'applies.log'), process.pid + '\\n');
if (earlier === '') {
  writeFileSync(join(dir, 'apply.pid'), String(process.pid));
  writeFileSync(join(dir, 'started'), '');
  await sleep(Number(process.env.APPLY_MS));
}
writeFileSync(join(dir, 'state'), process.env.BATON_VERSION);
`;

// Prints what the target runs; once the first apply started, notes in observations.log whether it still ran.
const CURRENT_SCRIPT = `
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.env.SCENE_DIR;
const read = (name) => { try { return readFileSync(join(dir, name), 'utf8').trim(); } catch { return ''; } };
const running = (pid) => {
  try {
    const stat = readFileSync('/proc/' + pid + '/stat', 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch { return false; }
};
const pid = read('apply.pid');
if (pid) appendFileSync(join(dir, 'observations.log'), pid + ' ' + (running(pid) ? 'running' : 'gone') + '\\n');
console.log(read('state'));
`;

/**
 * Writes the scripts and a config (environments dev and prod, component
 * `api`) into `dir`; the first apply sleeps `applyMs`. Returns the config's path.
 */
export async function writeCrashScene(dir: string, applyMs: number): Promise<string> {
  await writeFile(join(dir, 'apply.mjs'), APPLY_SCRIPT);
  await writeFile(join(dir, 'current.mjs'), CURRENT_SCRIPT);
  const configPath = join(dir, 'baton.yaml');
  await writeFile(
    configPath,
    `version: 1
environments: [{ name: dev }, { name: prod }]
components:
  api:
    adapter: script
    with:
      apply: [node, apply.mjs]
      current: [node, current.mjs]
      rollback: [node, -e, "0"]
      env: { SCENE_DIR: "${dir}", APPLY_MS: "${applyMs}" }
`,
  );
  return configPath;
}

export async function textOf(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** The non-empty lines of a file; none when it does not exist. */
export async function linesOf(file: string): Promise<string[]> {
  return ((await textOf(file)) ?? '').split('\n').filter((line) => line !== '');
}

/**
 * Whether `pid` is a live process. An orphan whose init does not reap it
 * stays a zombie after it exited, and `kill(pid, 0)` still finds it.
 */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

/** Waits for the first apply to start, and returns its pid. */
export async function firstApplyPid(dir: string): Promise<number> {
  await until(
    async () => ((await textOf(join(dir, 'started'))) !== undefined ? true : undefined),
    20_000,
    'the apply program to start',
  );
  return Number(await readFile(join(dir, 'apply.pid'), 'utf8'));
}

/** Waits until the first apply has written `version` and exited, on its own. */
export async function untilFinishedAlone(dir: string, pid: number, version: string): Promise<void> {
  await until(
    async () => ((await textOf(join(dir, 'state'))) === version && !running(pid) ? true : undefined),
    10_000,
    'the program to finish on its own',
  );
}

/** `/promote status <id>` once it shows `state`. */
export async function untilState(chat: ConsoleClient, id: string, state: string): Promise<string> {
  return until(
    async () => {
      const text = replyText(await chat.command('alice', `/promote status ${id}`));
      return text.includes(`State: ${state}`) ? text : undefined;
    },
    20_000,
    `promotion #${id} to be ${state}`,
  );
}

/** The thread once its last line matches: chat messages are posted a moment after the state changes. */
export async function untilThreadEnds(chat: ConsoleClient, id: string, last: RegExp): Promise<string[]> {
  return until(
    async () => {
      const thread = threadLines(await chat.promotionMessage(id));
      return last.test(thread.at(-1) ?? '') ? thread : undefined;
    },
    10_000,
    `the thread of #${id} to end with ${last}`,
  );
}

export async function evidence(baseUrl: string, id: string): Promise<EvidenceBundle> {
  return (await (
    await fetch(`${baseUrl}/api/promotions/evidence?id=${id}`, { headers: EVIDENCE_HEADERS })
  ).json()) as EvidenceBundle;
}

/** Entries (`<pid>.json`) in a data dir's registry of the programs steps started. */
export async function registryEntries(dataDir: string): Promise<string[]> {
  const names = await readdir(join(dataDir, 'programs')).catch(() => []);
  return names.filter((name) => name.endsWith('.json'));
}

/** Kills, after each test, the process groups handed to the returned function: a failed test may leave an apply sleeping. */
export function useStrayPrograms(): (pid: number) => void {
  const strays: number[] = [];
  afterEach(() => {
    for (const pid of strays.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
  return (pid) => strays.push(pid);
}
