/**
 * Runs one command on a connected host, streams its output line by line, and
 * on abort stops everything it started. Closing an SSH channel does not stop
 * a command started without a terminal, and sshd only honours "signal"
 * requests for non-root users on recent versions, so the abort kills the
 * command's process group over a second channel of the same connection.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { OutputTail } from '../kit/output-tail.ts';
import { killGroupCommandLine, remoteCommandLine } from './shell-command.ts';

/** How long the remote process group has after SIGTERM before it gets SIGKILL. */
export const KILL_GRACE_MS = 5_000;

/**
 * How long to wait for the channel to close after the command exited: a
 * background process it started may hold its output open for good.
 */
const OUTPUT_DRAIN_MS = 2_000;

/**
 * After SIGKILL, how long to wait for the host to close the channel before
 * closing it ourselves, and then before giving up on the host: sshd keeps a
 * channel open while the command lives, so a kill that did not work (a shell
 * that is not POSIX, a process that left its group) must not hang the step.
 */
const CLOSE_AFTER_KILL_MS = 2_000;

export interface RemoteRunOptions {
  signal: AbortSignal;
  /** Receives every stdout and stderr line as it arrives. */
  onLine(line: string): void;
  /** Keep every stdout line in the outcome (for commands whose output is their answer). */
  captureStdout?: boolean;
  killGraceMs?: number;
}

export interface RemoteOutcome {
  /** False when the host never said how the command ended (a dropped connection, a kill it did not confirm). */
  exited: boolean;
  exitCode: number | null;
  /** `SIGTERM` and the like, when the command was killed by a signal. */
  exitSignal: string | null;
  /** True when `signal` aborted the run and Baton stopped the command. */
  aborted: boolean;
  durationMs: number;
  stdout: string[];
  /** The last lines of stdout and stderr together, in arrival order. */
  tail: string[];
}

function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', onLine);
  return new Promise((resolve) => lines.once('close', resolve));
}

function openExec(client: Client, line: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(line, (error, channel) => (error ? reject(error) : resolve(channel))),
  );
}

function sendKill(client: Client, processGroup: number, signal: 'TERM' | 'KILL'): void {
  try {
    client.exec(killGroupCommandLine(processGroup, signal), (error, channel) => {
      if (error) return;
      channel.resume();
      channel.stderr.resume();
    });
  } catch {
    // The connection is already gone, and with it the channel this would stop.
  }
}

/**
 * Resolves when the command has ended and its output is read. Rejects only
 * when the host refused to open a session for it.
 */
export async function runRemoteCommand(
  client: Client,
  argv: readonly string[],
  environment: Readonly<Record<string, string>>,
  options: RemoteRunOptions,
): Promise<RemoteOutcome> {
  const startedAt = performance.now();
  const command = remoteCommandLine(argv, environment, `baton-process-group-${randomUUID()}`);
  const channel = await openExec(client, command.line);
  // End of input at once: a command that asks a question fails instead of waiting for an answer forever.
  channel.end();

  const stdout: string[] = [];
  const tail = new OutputTail();
  let exited = false;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let aborted = false;
  let processGroup: number | undefined;
  let killWhenKnown = false;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, action: () => void): void => void timers.push(setTimeout(action, ms));

  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  channel.once('close', finish);
  // A dropped connection may never close its channels one by one.
  client.once('close', finish);
  const closeChannel = (): void => {
    channel.close();
    later(CLOSE_AFTER_KILL_MS, finish);
  };

  const onAbort = (): void => {
    if (exited) return;
    aborted = true;
    if (processGroup === undefined) killWhenKnown = true;
    else sendKill(client, processGroup, 'TERM');
    later(options.killGraceMs ?? KILL_GRACE_MS, () => {
      if (processGroup !== undefined) sendKill(client, processGroup, 'KILL');
      later(CLOSE_AFTER_KILL_MS, closeChannel);
    });
  };

  const stdoutRead = eachLine(channel, (line) => {
    if (options.captureStdout) stdout.push(line);
    tail.push(line);
    options.onLine(line);
  });
  const stderrRead = eachLine(channel.stderr, (line) => {
    if (processGroup === undefined && line.startsWith(`${command.marker} `)) {
      processGroup = Number(line.slice(command.marker.length + 1));
      if (killWhenKnown) sendKill(client, processGroup, 'TERM');
      return;
    }
    tail.push(line);
    options.onLine(line);
  });
  channel.once('exit', (code: number | null, signal?: string) => {
    exited = true;
    exitCode = code;
    exitSignal = signal ?? null;
    later(OUTPUT_DRAIN_MS, closeChannel);
  });

  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await finished;
    // The last line of each stream arrives with its end, which may trail the close a little.
    await Promise.race([
      Promise.all([stdoutRead, stderrRead]),
      new Promise((resolve) => later(200, () => resolve(undefined))),
    ]);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    client.removeListener('close', finish);
    for (const timer of timers) clearTimeout(timer);
  }
  return { exited, exitCode, exitSignal, aborted, durationMs: performance.now() - startedAt, stdout, tail: tail.lines };
}
