/**
 * The `script` adapter: your own commands apply, preview, observe, verify and
 * roll back a component. The escape hatch for any system without an adapter.
 */
import type {
  AdapterContext,
  Health,
  Observed,
  Outputs,
  StepPreview,
  StepResult,
  TargetAdapter,
} from '../kit/contract.ts';
import { formatElapsed } from '../kit/durations.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import {
  describeEnding,
  displayCommand,
  quoteTail,
  runScriptCommand,
  runScriptCommandToSuccess,
  type FinishedCommand,
  type ScriptSetting,
} from './command.ts';
import { OutputFileError, parseOutputFile } from './outputs.ts';
import { scriptConfigSchema, type ScriptConfig } from './schema.ts';

type ScriptContext = AdapterContext<ScriptConfig>;

function lastNonEmptyLine(lines: readonly string[]): string | null {
  const found = lines.map((line) => line.trim()).findLast((line) => line !== '');
  return found ?? null;
}

function stepOutputs(ctx: ScriptContext, setting: ScriptSetting, finished: FinishedCommand): Outputs {
  try {
    return parseOutputFile(finished.outputText);
  } catch (error) {
    if (!(error instanceof OutputFileError)) throw error;
    throw new TerminalStepError(
      ctx.redact(
        `\`${finished.display}\` (${setting} of ${ctx.component}) exited 0 but wrote an invalid $BATON_OUTPUT file: ` +
          `${error.message}. Its change may have been made; fix how the script writes outputs, then run the promotion again.`,
      ),
      { cause: error },
    );
  }
}

function ranSummary(finished: FinishedCommand): string {
  return `ran ${finished.display} (exit 0, ${formatElapsed(finished.outcome.durationMs)})`;
}

async function current(ctx: ScriptContext): Promise<Observed> {
  if (ctx.config.current === undefined) return { version: null };
  const finished = await runScriptCommandToSuccess(ctx, {
    setting: 'current',
    argv: ctx.config.current,
    captureStdout: true,
  });
  return { version: lastNonEmptyLine(finished.outcome.stdout) };
}

async function plan(ctx: ScriptContext): Promise<StepPreview> {
  const reversible = ctx.config.rollback !== undefined;
  const fallbackSummary = `will run: ${displayCommand(ctx, ctx.config.apply)}`;
  const observed = await current(ctx);
  if (observed.version === ctx.version) {
    return { summary: `already runs ${ctx.version}: nothing to run`, details: [], reversible, changes: false };
  }
  if (ctx.config.plan === undefined) {
    return { summary: fallbackSummary, details: [], reversible, changes: true };
  }
  const finished = await runScriptCommandToSuccess(ctx, {
    setting: 'plan',
    argv: ctx.config.plan,
    captureStdout: true,
  });
  const [summary, ...details] = finished.outcome.stdout
    .map((line) => ctx.redact(line.trimEnd()))
    .filter((line) => line.trim() !== '');
  return { summary: summary ?? fallbackSummary, details, reversible, changes: true };
}

async function apply(ctx: ScriptContext): Promise<StepResult> {
  const finished = await runScriptCommandToSuccess(ctx, { setting: 'apply', argv: ctx.config.apply });
  return { outputs: stepOutputs(ctx, 'apply', finished), summary: ranSummary(finished) };
}

async function verify(ctx: ScriptContext): Promise<Health> {
  if (ctx.config.verify === undefined) return { healthy: true, message: 'no verify command' };
  const finished = await runScriptCommand(ctx, { setting: 'verify', argv: ctx.config.verify });
  if (finished.outcome.exitCode === 0) {
    return { healthy: true, message: `${ranSummary(finished)}: healthy` };
  }
  return {
    healthy: false,
    message: ctx.redact(
      `verify \`${finished.display}\` ${describeEnding(finished.outcome)}, so ${ctx.component} is not healthy.` +
        quoteTail(finished.outcome),
    ),
  };
}

async function rollback(ctx: ScriptContext, before: Observed): Promise<StepResult> {
  const target = before.version ?? 'what ran before';
  if (ctx.config.rollback === undefined) {
    throw new TerminalStepError(
      `${ctx.component} has no rollback command, so Baton cannot undo this step. ` +
        `Restore ${target} in ${ctx.environment} by hand, and add \`rollback:\` to the component's settings ` +
        'to make future steps reversible.',
    );
  }
  const finished = await runScriptCommandToSuccess(ctx, {
    setting: 'rollback',
    argv: ctx.config.rollback,
    extraEnv: { BATON_ROLLBACK_TO: before.version ?? '' },
  });
  return {
    outputs: stepOutputs(ctx, 'rollback', finished),
    summary: `rolled back to ${target}: ${ranSummary(finished)}`,
  };
}

export const scriptAdapter: TargetAdapter<ScriptConfig> = {
  kind: 'script',
  description:
    'Runs your own commands (argv arrays, no shell) to apply, preview, observe, verify and roll back a component.',
  config: scriptConfigSchema,
  step: { timeoutMs: 10 * 60_000, retries: 2 },
  current,
  plan,
  apply,
  verify,
  rollback,
};
