/**
 * The `ssh` adapter: runs a command on a list of machines over SSH, in
 * rolling batches, with every host key checked before anything runs.
 */
import type { Observed } from '../../src/core/model.ts';
import { TerminalStepError } from '../../src/errors.ts';
import type { AdapterContext, StepResult, TargetAdapter } from '../contract.ts';
import { currentVersion, previewRollout } from './observe.ts';
import { rollOut, rolloutSummary } from './rollout.ts';
import { sshConfigSchema, type SshConfig } from './schema.ts';
import { prepareTarget } from './target.ts';

type SshContext = AdapterContext<SshConfig>;

async function apply(ctx: SshContext): Promise<StepResult> {
  const target = await prepareTarget(ctx);
  const result = await rollOut(ctx, target.login, target.hosts, { setting: 'command', argv: ctx.config.command });
  return {
    outputs: { hosts: target.hosts.map((host) => host.entry).join(',') },
    summary: ctx.redact(`ran \`${ctx.config.command.join(' ')}\` ${rolloutSummary(target.hosts, result)}`),
  };
}

async function rollback(ctx: SshContext, before: Observed): Promise<StepResult> {
  const restore = before.version ?? 'what ran before';
  const argv = ctx.config.rollbackCommand;
  if (argv === undefined) {
    throw new TerminalStepError(
      `${ctx.component} has no rollbackCommand, so Baton cannot undo this step. Restore ${restore} on its hosts in ` +
        `${ctx.environment} by hand, and add \`rollbackCommand:\` to the component's settings to make future steps reversible.`,
    );
  }
  const target = await prepareTarget(ctx);
  const result = await rollOut(ctx, target.login, target.hosts, {
    setting: 'rollbackCommand',
    argv,
    rollbackTo: before.version ?? '',
  });
  return {
    outputs: { hosts: target.hosts.map((host) => host.entry).join(',') },
    summary: ctx.redact(`rolled back to ${restore}: ran \`${argv.join(' ')}\` ${rolloutSummary(target.hosts, result)}`),
  };
}

export const sshAdapter: TargetAdapter<SshConfig> = {
  kind: 'ssh',
  description: 'Runs a command on virtual machines over SSH in rolling batches, checking every host key first.',
  config: sshConfigSchema,
  step: { timeoutMs: 30 * 60_000, retries: 2 },
  current: currentVersion,
  plan: previewRollout,
  apply,
  rollback,
};
