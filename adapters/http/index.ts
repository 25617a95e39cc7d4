/**
 * The `http` adapter: starts a pipeline elsewhere (Jenkins, GitHub Actions
 * `workflow_dispatch`, any webhook) with one request, follows the run it
 * started until it succeeds or fails, and publishes values of the answer.
 */
import type { AdapterContext, Observed, StepResult, TargetAdapter } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { observeCurrent } from './current.ts';
import { runPipeline } from './pipeline.ts';
import { previewStep } from './preview.ts';
import { redactorFor } from './redaction.ts';
import { fillRollbackTo, ROLLBACK_TO, usesRollbackTo } from './rollback-to.ts';
import { httpConfigSchema, type HttpConfig } from './schema.ts';

type HttpContext = AdapterContext<HttpConfig>;

async function apply(ctx: HttpContext): Promise<StepResult> {
  return runPipeline({
    ctx,
    redact: redactorFor(ctx),
    settings: ctx.config,
    purpose: 'apply',
    pipeline: `${ctx.component}'s pipeline`,
  });
}

async function rollback(ctx: HttpContext, before: Observed): Promise<StepResult> {
  const settings = ctx.config.rollback;
  const target = before.version ?? 'what ran before';
  if (settings === undefined) {
    throw new TerminalStepError(
      `${ctx.component} has no \`rollback\` setting, so Baton cannot undo this step. Restore ${target} in ${ctx.environment} ` +
        "by hand (run your pipeline for that version), and add `rollback:` to the component's settings to make future steps reversible.",
    );
  }
  if (before.version === null && usesRollbackTo(settings)) {
    throw new TerminalStepError(
      `${ctx.component}'s rollback settings use ${ROLLBACK_TO}, but nothing is known to have run in ${ctx.environment} before this step, ` +
        'so there is no version to go back to. Decide what should run there and promote that version.',
    );
  }
  const result = await runPipeline({
    ctx,
    redact: redactorFor(ctx),
    settings: before.version === null ? settings : fillRollbackTo(settings, before.version),
    purpose: 'rollback',
    pipeline: `${ctx.component}'s rollback pipeline`,
  });
  return { outputs: result.outputs, summary: `rolled back to ${target}: ${result.summary}` };
}

export const httpAdapter: TargetAdapter<HttpConfig> = {
  kind: 'http',
  description:
    'Triggers a pipeline elsewhere (Jenkins, GitHub Actions workflow_dispatch, any webhook) with one signed request and follows the run until it succeeds or fails.',
  config: httpConfigSchema,
  // Longer than the default poll timeout (30m), so the adapter's own timeout message is the one people see.
  step: { timeoutMs: 35 * 60_000, retries: 3 },
  current: (ctx) => observeCurrent(ctx, redactorFor(ctx)),
  plan: (ctx) => previewStep(ctx, redactorFor(ctx)),
  apply,
  rollback,
};
