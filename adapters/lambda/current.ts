/** What a Lambda function's alias runs now, as the release it was deployed for. */
import type { Observed } from '../kit/contract.ts';
import { observeAlias, observedFrom } from './observe.ts';
import { withLambda, type LambdaContext } from './session.ts';

export function current(ctx: LambdaContext): Promise<Observed> {
  return withLambda(ctx, async (session) => observedFrom(await observeAlias(session)));
}
