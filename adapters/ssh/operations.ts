/**
 * What the `ssh` adapter does to its hosts: rolls a command out, or the
 * rollback command; reading and planning are in observe.ts.
 */
import type { AdapterContext, Observed, StepResult } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { rollOut, rolloutSummary } from './rollout.ts';
import type { SshConfig } from './schema.ts';
import { prepareTarget } from './target.ts';

type SshContext = AdapterContext<SshConfig>;

export async function apply(ctx: SshContext): Promise<StepResult> {
  const target = await prepareTarget(ctx);
  const result = await rollOut(ctx, target.login, target.hosts, { setting: 'command', argv: ctx.config.command });
  return {
    outputs: { hosts: target.hosts.map((host) => host.entry).join(',') },
    summary: ctx.redact(`ran \`${ctx.config.command.join(' ')}\` ${rolloutSummary(target.hosts, result)}`),
  };
}

export async function rollback(ctx: SshContext, before: Observed): Promise<StepResult> {
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
