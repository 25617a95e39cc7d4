/**
 * Looking without changing: `current()` asks the first host what it runs,
 * and a plan checks every host (login, host key, and what it runs when
 * `currentCommand` is set) so a bad key shows up before anyone approves.
 */
import type { AdapterContext, Observed, StepPreview } from '../kit/contract.ts';
import type { HostAddress } from './host-address.ts';
import { lookFailedError } from './failures.ts';
import { checkLogin, runOnHost, type HostRun } from './host-run.ts';
import { batchesOf } from './rollout.ts';
import type { SshConfig } from './schema.ts';
import { prepareTarget, type SshTarget } from './target.ts';

type SshContext = AdapterContext<SshConfig>;

/** How many hosts a plan checks at once. */
const PLAN_CHECKS_AT_ONCE = 8;

function lastNonEmptyLine(lines: readonly string[]): string | null {
  return lines.map((line) => line.trim()).findLast((line) => line !== '') ?? null;
}

function versionOn(run: HostRun): string | null {
  return lastNonEmptyLine(run.outcome?.stdout ?? []);
}

function lookAt(ctx: SshContext, target: SshTarget, host: HostAddress): Promise<HostRun> {
  const argv = ctx.config.currentCommand;
  if (argv === undefined) return checkLogin(ctx, target.login, host);
  return runOnHost(ctx, target.login, host, { setting: 'currentCommand', argv, captureStdout: true });
}

export async function current(ctx: SshContext): Promise<Observed> {
  const argv = ctx.config.currentCommand;
  if (argv === undefined) return { version: null };
  const target = await prepareTarget(ctx);
  const [first] = target.hosts;
  if (first === undefined) return { version: null };
  const run = await lookAt(ctx, target, first);
  if (run.status !== 'succeeded') throw lookFailedError(ctx, `\`currentCommand\` of ${ctx.component}`, [run]);
  return { version: versionOn(run), detail: { host: first.entry } };
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? `1 ${one}` : `${count} ${many}`;
}

export async function plan(ctx: SshContext): Promise<StepPreview> {
  const target = await prepareTarget(ctx);
  const { hosts } = target;
  const batchSize = ctx.config.batchSize ?? 1;
  const batchCount = batchesOf(hosts, batchSize).length;
  const reversible = ctx.config.rollbackCommand !== undefined;

  const runs: HostRun[] = [];
  for (const group of batchesOf(hosts, PLAN_CHECKS_AT_ONCE)) {
    runs.push(...(await Promise.all(group.map((host) => lookAt(ctx, target, host)))));
  }
  const failed = runs.filter((run) => run.status !== 'succeeded');
  if (failed.length > 0) throw lookFailedError(ctx, `Checking the hosts of ${ctx.component}`, failed);

  const observing = ctx.config.currentCommand !== undefined;
  const details = runs.map((run) =>
    ctx.redact(
      observing ? `${run.host.entry}: runs ${versionOn(run) ?? 'nothing yet'}` : `${run.host.entry}: ${run.reason}`,
    ),
  );
  const warning = target.login.trust.insecure ? 'HOST KEYS NOT CHECKED (insecureAcceptAnyHostKey): ' : '';
  if (warning !== '') {
    details.unshift(
      'WARNING: insecureAcceptAnyHostKey is on, so anyone who can intercept a connection gets the command and its ' +
        'arguments. Set knownHosts or hostKeys so Baton can tell the real hosts from impostors.',
    );
  }
  if (observing && runs.every((run) => versionOn(run) === ctx.version)) {
    return {
      summary: `${warning}already runs ${ctx.version} on ${hosts.length === 1 ? 'its host' : `all ${hosts.length} hosts`}: nothing to run`,
      details,
      reversible,
      changes: false,
    };
  }
  const batches =
    plural(batchCount, 'batch', 'batches') +
    (batchSize > 1 && hosts.length > batchSize ? ` of up to ${batchSize}` : '');
  return {
    summary: ctx.redact(
      `${warning}run \`${ctx.config.command.join(' ')}\` on ${plural(hosts.length, 'host', 'hosts')} in ${batches}`,
    ),
    details,
    reversible,
    changes: true,
  };
}
