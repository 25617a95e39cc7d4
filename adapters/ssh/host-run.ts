/**
 * One command on one host: connect, run, disconnect, and say how it went in
 * terms a person can act on. Never throws; the rollout decides what a
 * failure means for the step.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { formatElapsed } from '../kit/durations.ts';
import { ConnectFailure, connect, type Connection, type LoginSettings } from './connect.ts';
import type { HostAddress } from './host-address.ts';
import { runRemoteCommand, type RemoteOutcome } from './remote-process.ts';
import type { SshConfig } from './schema.ts';
import { fillTokens, stepVariables } from './step-variables.ts';

/** sysexits.h EX_TEMPFAIL: the command asks for another attempt, as with the script adapter. */
export const EXIT_TRY_AGAIN = 75;

export interface HostCommand {
  /** The setting the command comes from, for messages. */
  setting: 'command' | 'currentCommand' | 'rollbackCommand';
  argv: readonly string[];
  /** Set for `rollbackCommand`: the version to restore (empty when unknown). */
  rollbackTo?: string;
  captureStdout?: boolean;
}

export interface HostRun {
  host: HostAddress;
  /** `not-run`: no command started there; `stopped`: the step was aborted while it ran. */
  status: 'succeeded' | 'failed' | 'not-run' | 'stopped';
  /** Whether another attempt could pass. */
  retryable: boolean;
  /** Short, e.g. "exit code 2 after 1.2s". */
  reason: string;
  /** What to do about it, when there is more to say than the reason. */
  advice: string;
  outcome?: RemoteOutcome;
}

function judge(host: HostAddress, command: HostCommand, outcome: RemoteOutcome): HostRun {
  const took = formatElapsed(outcome.durationMs);
  const run = (status: HostRun['status'], retryable: boolean, reason: string, advice = ''): HostRun => ({
    host,
    status,
    retryable,
    reason,
    advice,
    outcome,
  });
  if (outcome.aborted && outcome.exited) {
    return run(
      'stopped',
      false,
      `stopped after ${took}: Baton sent SIGTERM, then SIGKILL, to the command's process group`,
    );
  }
  if (outcome.aborted) {
    return run(
      'stopped',
      false,
      `Baton sent SIGTERM and SIGKILL to the command's process group, but after ${took} the host had not confirmed that it ended`,
      'The command may still be running there: look at the host before running the promotion again.',
    );
  }
  if (!outcome.exited) {
    return run(
      'failed',
      false,
      `the connection dropped after ${took}, before the command finished`,
      'It may still be running on the host, or have finished: look at the host before running the promotion again.',
    );
  }
  if (outcome.exitSignal !== null) return run('failed', false, `killed by signal ${outcome.exitSignal} after ${took}`);
  if (outcome.exitCode === 0) return run('succeeded', false, `exit 0 after ${took}`);
  if (outcome.exitCode === EXIT_TRY_AGAIN) {
    return run(
      'failed',
      true,
      `exit code ${EXIT_TRY_AGAIN} (temporary failure) after ${took}`,
      'The step can be tried again.',
    );
  }
  const program = command.argv[0] ?? '';
  const advice =
    outcome.exitCode === 127
      ? `Exit code 127 usually means a program was not found on the host (the last lines say which): check \`${command.setting}\`; an absolute path is safest.`
      : outcome.exitCode === 126
        ? `Exit code 126 means "${program}" is not executable on the host: chmod +x it, or run it through its interpreter, e.g. ["bash", "${program}"].`
        : '';
  return run('failed', false, `exit code ${outcome.exitCode} after ${took}`, advice);
}

function hostLog(ctx: AdapterContext<SshConfig>, host: HostAddress): (line: string) => void {
  return (line) => ctx.log(`[${host.entry}] ${line}`);
}

async function connectOrExplain(
  ctx: AdapterContext<SshConfig>,
  login: LoginSettings,
  host: HostAddress,
): Promise<Connection | HostRun> {
  const log = hostLog(ctx, host);
  try {
    const connection = await connect(host, login, ctx.signal);
    log(connection.hostKeyNote);
    return connection;
  } catch (error) {
    if (!(error instanceof ConnectFailure)) throw error;
    log(`could not connect: ${error.reason}`);
    return { host, status: 'not-run', retryable: error.retryable, reason: error.reason, advice: error.advice };
  }
}

/** Logs in and out again: proves the host key and the login work, without running anything. */
export async function checkLogin(
  ctx: AdapterContext<SshConfig>,
  login: LoginSettings,
  host: HostAddress,
): Promise<HostRun> {
  const connection = await connectOrExplain(ctx, login, host);
  if ('status' in connection) return connection;
  connection.client.end();
  return { host, status: 'succeeded', retryable: false, reason: 'login and host key check passed', advice: '' };
}

export async function runOnHost(
  ctx: AdapterContext<SshConfig>,
  login: LoginSettings,
  host: HostAddress,
  command: HostCommand,
): Promise<HostRun> {
  const log = hostLog(ctx, host);
  const connection = await connectOrExplain(ctx, login, host);
  if ('status' in connection) return connection;
  try {
    const variables = stepVariables(ctx, host, command.rollbackTo);
    const argv = fillTokens(command.argv, variables);
    log(`$ ${argv.join(' ')}`);
    const outcome = await runRemoteCommand(
      connection.client,
      argv,
      { ...ctx.config.env, ...variables },
      { signal: ctx.signal, onLine: log, captureStdout: command.captureStdout ?? false },
    ).catch((error: unknown) => {
      log(`could not start the command: ${String(error)}`);
      return undefined;
    });
    if (outcome === undefined) {
      return {
        host,
        status: 'not-run',
        retryable: true,
        reason: 'the host refused to open a session for the command',
        advice: "Check sshd's MaxSessions and its log on the host.",
      };
    }
    const result = judge(host, command, outcome);
    log(result.reason);
    return result;
  } finally {
    connection.client.end();
  }
}
