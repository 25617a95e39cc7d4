/**
 * `rollback`: point the alias back at the version it had before the step,
 * with all traffic (no routing config). Published versions are immutable, so
 * that version still holds exactly what ran before.
 */
import type { Observed, StepResult } from '../kit/contract.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { additionalWeights, readAlias, readLatest } from './function-reads.ts';
import { pointAlias } from './move-alias.ts';
import { withLambda, type LambdaContext } from './session.ts';

export async function rollback(ctx: LambdaContext, before: Observed): Promise<StepResult> {
  const alias = ctx.config.alias ?? ctx.environment;
  const functionName = ctx.config.function;
  const target = before.detail?.functionVersion;
  const release = before.version ?? 'a release Baton did not publish';
  if (target === undefined || target === '') {
    const why = before.version === null ? 'the alias did not exist' : `Baton only knows it ran ${before.version}`;
    throw new TerminalStepError(
      ctx.redact(
        `${ctx.component}: Baton does not know which Lambda version alias ${alias} of ${functionName} pointed at before this step ` +
          `(${why}), so it cannot move the alias back. Point it at the version you want by hand: ` +
          `aws lambda update-alias --region ${ctx.config.region} --function-name ${functionName} --name ${alias} ` +
          '--function-version <version> --routing-config AdditionalVersionWeights={}',
      ),
    );
  }
  return withLambda(ctx, async (session) => {
    const current = await readAlias(session);
    if (current === null) {
      await readLatest(session);
      throw new TerminalStepError(
        ctx.redact(
          `${ctx.component}: alias ${alias} of ${functionName} in ${session.region} no longer exists, so Baton cannot move it back ` +
            `to version ${target}. Recreate it at that version if it should exist: aws lambda create-alias --region ${session.region} ` +
            `--function-name ${functionName} --name ${alias} --function-version ${target}`,
        ),
      );
    }
    const outputs = {
      functionVersion: target,
      aliasArn: current.AliasArn ?? '',
      codeSha256: before.detail?.codeSha256 ?? '',
    };
    const from = current.FunctionVersion ?? '$LATEST';
    if (from === target && additionalWeights(current).length === 0) {
      return {
        outputs,
        summary: `${functionName} alias ${alias} already points at version ${target} (${release}): nothing to roll back`,
      };
    }
    const moved = await pointAlias(session, target, { revisionId: current.RevisionId });
    ctx.log(`alias ${alias} sends all traffic to version ${target} again (was ${from})`);
    return {
      outputs: { ...outputs, aliasArn: moved.AliasArn ?? outputs.aliasArn },
      summary: `${functionName}: moved alias ${alias} back to version ${target} (${release}) from ${from}`,
    };
  });
}
