/**
 * `apply`: update the code, wait for Lambda to finish, publish a version that
 * names the step and the release, move the alias to it. Run again with the
 * same release, it finds the alias already there and changes nothing.
 */
import type { AliasConfiguration, FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { Outputs, StepResult } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { stepStopped } from '../kit/stopped.ts';
import { moveAlias } from './move-alias.ts';
import { describeRunning, observeAlias, runsFully } from './observe.ts';
import { ApplyProgress } from './progress.ts';
import { publishRelease } from './publish.ts';
import { releaseDescription } from './release-description.ts';
import { withLambda, type LambdaContext, type LambdaSession } from './session.ts';

function releaseOutputs(alias: AliasConfiguration, version: FunctionConfiguration): Outputs {
  return {
    functionVersion: version.Version ?? '',
    aliasArn: alias.AliasArn ?? '',
    codeSha256: version.CodeSha256 ?? '',
  };
}

async function deploy(session: LambdaSession, description: string, progress: ApplyProgress): Promise<StepResult> {
  const { ctx, alias, functionName } = session;
  const view = await observeAlias(session);
  if (view !== null && runsFully(view, ctx.version)) {
    ctx.log(
      `alias ${alias} already sends all traffic to version ${view.functionVersion}, which holds ${ctx.version} ` +
        `(published by step ${view.release?.stepId ?? '?'}): nothing to do`,
    );
    return {
      outputs: releaseOutputs(view.alias, view.running),
      summary: `${functionName} alias ${alias} already runs ${ctx.version} (version ${view.functionVersion}): nothing to do`,
    };
  }
  const untouched =
    view === null ? `Alias ${alias} does not exist yet` : `Alias ${alias} still runs ${describeRunning(view)}`;
  progress.reached(`${untouched}; the new code reached at most $LATEST or a published version nothing runs.`);
  const published = await publishRelease(session, description);
  const target = published.Version;
  if (target === undefined) {
    throw new TerminalStepError(
      `Lambda published ${functionName} without saying which version it made, so Baton cannot move alias ${alias}.`,
    );
  }
  const moved = await moveAlias(session, view?.alias ?? null, target, progress);
  return {
    outputs: releaseOutputs(moved.alias, published),
    summary: `${functionName}: published version ${target} (${ctx.version}), alias ${alias} ${moved.movement}`,
  };
}

export async function apply(ctx: LambdaContext): Promise<StepResult> {
  if (ctx.signal.aborted)
    throw stepStopped(ctx.signal, ctx.redact, `before deploying ${ctx.config.function}`, 'Nothing was changed.');
  const description = releaseDescription(ctx.stepId, ctx.version);
  if (description === undefined) {
    throw new TerminalStepError(
      ctx.redact(
        `Baton records the release in the description of the Lambda version it publishes ("baton <step id> <version>"), ` +
          `but "${ctx.version}" does not fit: Lambda allows 256 characters, and the version must have no spaces. ` +
          'Use a shorter release version without spaces. Nothing was changed.',
      ),
    );
  }
  const progress = new ApplyProgress();
  return withLambda(ctx, async (session) => {
    try {
      return await deploy(session, description, progress);
    } catch (error) {
      throw progress.explain(error, ctx.redact);
    }
  });
}
