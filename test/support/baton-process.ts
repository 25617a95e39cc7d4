/** Baton as separate processes (`baton start`, `baton worker`), as they run in production. */
import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_API_TOKENS_ENV } from './api-tokens.ts';

export interface BatonProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startBatonProcess(
  args: string[],
  env: Record<string, string>,
  readyPattern: RegExp,
): Promise<BatonProcess & { ready: RegExpExecArray }> {
  const child = spawn(process.execPath, ['bin/baton.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...TEST_API_TOKENS_ENV, ...env },
  });
  let output = '';
  const handle: BatonProcess = {
    child,
    output: () => output,
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = readyPattern.exec(output);
      if (ready) resolve({ ...handle, ready });
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`baton ${args[0]} exited with ${code} before it was ready:\n${output}`)),
    );
  });
}

export async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
