/**
 * Points the alias at the published version: all at once, or first a share of
 * the traffic through the alias's routing config, for a while, then all of it.
 */
import { CreateAliasCommand, UpdateAliasCommand, type AliasConfiguration } from '@aws-sdk/client-lambda';
import { errorMessage } from '../../src/errors.ts';
import { checkedDurationMs } from '../kit/durations.ts';
import { pause, stepStopped } from '../kit/stopped.ts';
import { additionalWeights } from './function-reads.ts';
import type { ApplyProgress } from './progress.ts';
import type { LambdaSession } from './session.ts';

/** How long the request that moves traffic back after a stopped shift may take. */
const MOVE_BACK_TIMEOUT_MS = 15_000;

export interface AliasMoved {
  alias: AliasConfiguration;
  /** "7 → 8 (10% for 10m, then 100%)", "created at 8", "already at 8". */
  movement: string;
}

/** Sends all traffic to `version` (or a share to `weighted`), guarded by the alias revision when given. */
export function pointAlias(
  session: LambdaSession,
  version: string,
  options: { weighted?: { version: string; percent: number }; revisionId?: string; signal?: AbortSignal } = {},
): Promise<AliasConfiguration> {
  const weights = options.weighted ? { [options.weighted.version]: options.weighted.percent / 100 } : {};
  return session.call(
    'UpdateAlias',
    (request) =>
      session.client.send(
        new UpdateAliasCommand({
          FunctionName: session.functionName,
          Name: session.alias,
          FunctionVersion: version,
          // An empty map removes any routing config; leaving it out would keep an old one.
          RoutingConfig: { AdditionalVersionWeights: weights },
          RevisionId: options.revisionId,
        }),
        request,
      ),
    { subject: session.aliasSubject, signal: options.signal },
  );
}

function createAlias(session: LambdaSession, version: string): Promise<AliasConfiguration> {
  return session.call(
    'CreateAlias',
    (request) =>
      session.client.send(
        new CreateAliasCommand({ FunctionName: session.functionName, Name: session.alias, FunctionVersion: version }),
        request,
      ),
    { subject: session.aliasSubject },
  );
}

interface GradualShift {
  current: AliasConfiguration;
  from: string;
  target: string;
  percent: number;
  duration: string;
}

async function shiftGradually(
  session: LambdaSession,
  shift: GradualShift,
  progress: ApplyProgress,
): Promise<AliasMoved> {
  const { ctx, alias } = session;
  const { current, from, target, percent, duration } = shift;
  progress.reached(
    `Alias ${alias} may send ${percent}% of traffic to version ${target}: run the promotion again or roll it back.`,
  );
  const shifted = await pointAlias(session, from, {
    weighted: { version: target, percent },
    revisionId: current.RevisionId,
  });
  progress.reached(
    `Alias ${alias} sends ${percent}% of traffic to version ${target} and the rest to version ${from}: ` +
      'run the promotion again to finish, or roll it back.',
  );
  ctx.log(
    `alias ${alias} sends ${percent}% of traffic to version ${target} and the rest to version ${from}, for ${duration}`,
  );
  try {
    await pause(checkedDurationMs(duration), ctx.signal);
  } catch {
    throw await moveBackAfterStop(session, { ...shift, current: shifted }, progress);
  }
  progress.reached(
    `Alias ${alias} may already send all traffic to version ${target}: run the promotion again or roll it back.`,
  );
  const moved = await pointAlias(session, target, { revisionId: shifted.RevisionId });
  ctx.log(`alias ${alias} sends all traffic to version ${target}`);
  return { alias: moved, movement: `${from} → ${target} (${percent}% for ${duration}, then 100%)` };
}

/** A stopped shift is a cancelled canary: traffic goes back to the version that had it. */
async function moveBackAfterStop(session: LambdaSession, shift: GradualShift, progress: ApplyProgress): Promise<Error> {
  const { ctx, alias } = session;
  const { current, from, target, percent } = shift;
  const doing = `while alias ${alias} sent ${percent}% of traffic to version ${target}`;
  try {
    await pointAlias(session, from, {
      revisionId: current.RevisionId,
      signal: AbortSignal.timeout(MOVE_BACK_TIMEOUT_MS),
    });
  } catch (error) {
    return stepStopped(
      ctx.signal,
      ctx.redact,
      doing,
      `Moving all traffic back to version ${from} failed too (${errorMessage(error)}).`,
    );
  }
  ctx.log(`moved all traffic of alias ${alias} back to version ${from}`);
  progress.reached(
    `Baton moved all traffic of alias ${alias} back to version ${from}; version ${target} stays published, unused.`,
  );
  return stepStopped(ctx.signal, ctx.redact, doing);
}

/** Makes the alias send all traffic to `target`, creating it if it does not exist yet. */
export async function moveAlias(
  session: LambdaSession,
  current: AliasConfiguration | null,
  target: string,
  progress: ApplyProgress,
): Promise<AliasMoved> {
  const { ctx, alias } = session;
  if (current === null) {
    if (ctx.config.weighted) {
      ctx.log(
        `alias ${alias} does not exist yet: no version to keep the rest of the traffic on, so it starts with all of it`,
      );
    }
    progress.reached(`Alias ${alias} may have been created at version ${target}: run the promotion again to finish.`);
    const created = await createAlias(session, target);
    ctx.log(`created alias ${alias} at version ${target}`);
    return { alias: created, movement: `created at ${target}` };
  }
  const from = current.FunctionVersion ?? '$LATEST';
  if (from === target && additionalWeights(current).length === 0) {
    return { alias: current, movement: `already at ${target}` };
  }
  const weighted = ctx.config.weighted;
  if (weighted && from !== target) {
    if (from !== '$LATEST') {
      return shiftGradually(
        session,
        { current, from, target, percent: weighted.percent, duration: weighted.for },
        progress,
      );
    }
    // Lambda accepts a routing config only between published versions.
    ctx.log(`alias ${alias} points at $LATEST, which cannot share traffic: moving all of it at once`);
  }
  progress.reached(
    `Alias ${alias} may already send all traffic to version ${target}: run the promotion again or roll it back.`,
  );
  const moved = await pointAlias(session, target, { revisionId: current.RevisionId });
  ctx.log(`alias ${alias} sends all traffic to version ${target} (was ${from})`);
  return { alias: moved, movement: `${from} → ${target}` };
}
