/** `plan`: what `apply` would do, read from the alias as it is now, changing nothing. */
import type { StepPreview } from '../kit/contract.ts';
import { codeLocation } from './code-location.ts';
import { describeRunning, observeAlias, runsFully, type AliasView } from './observe.ts';
import { releaseDescription } from './release-description.ts';
import { withLambda, type LambdaContext } from './session.ts';

function aliasNow(view: AliasView | null, alias: string, weighted: boolean): string {
  if (view === null) {
    return `alias ${alias} does not exist yet: Baton creates it${weighted ? ' with all traffic' : ''}, and a rollback cannot remove it`;
  }
  const now = `alias ${alias} now runs ${describeRunning(view)}`;
  return view.release === null ? `${now}: Baton cannot tell which release that is, so it cannot roll back to it` : now;
}

export function plan(ctx: LambdaContext): Promise<StepPreview> {
  return withLambda(ctx, async (session) => {
    const { alias, functionName } = session;
    const view = await observeAlias(session);
    const where = `region ${session.region}${ctx.config.endpoint ? ` through ${ctx.config.endpoint}` : ''}`;
    if (view !== null && runsFully(view, ctx.version)) {
      return {
        summary: ctx.redact(
          `${functionName} alias ${alias} already runs ${ctx.version} (version ${view.functionVersion}): nothing to change`,
        ),
        details: [ctx.redact(where)],
        reversible: true,
        changes: false,
      };
    }
    const weighted = ctx.config.weighted;
    const share = weighted ? ` (${weighted.percent}% for ${weighted.for}, then 100%)` : '';
    const move =
      view === null ? `create alias ${alias} at new` : `move alias ${alias} ${view.functionVersion} → new${share}`;
    const details = [
      where,
      aliasNow(view, alias, weighted !== undefined),
      `the new version's description: ${releaseDescription(ctx.stepId, ctx.version) ?? 'too long: apply will refuse this version'}`,
    ];
    return {
      summary: ctx.redact(`update ${functionName} code to ${codeLocation(ctx.config.code).text}, publish, ${move}`),
      details: details.map((line) => ctx.redact(line)),
      // Rollback needs the version observed before the step, and Baton keeps that only
      // for versions it can name a release for: not for a missing alias or a hand-made version.
      reversible: view !== null && view.release !== null,
      changes: true,
    };
  });
}
