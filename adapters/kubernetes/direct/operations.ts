/**
 * direct mode: the version is the tag (or digest) of a container's image in
 * a Deployment, StatefulSet or DaemonSet. Baton patches it in each cluster
 * and waits for the rollout there before moving on.
 */
import type { AdapterContext, Health, Observed, StepPreview, StepResult } from '../../kit/contract.ts';
import { TerminalStepError } from '../../kit/step-errors.ts';
import { imageFor, versionOf } from './image-reference.ts';
import { requireRolledOut, waitForRollout } from './rollout.ts';
import type { DirectSettings } from './schema.ts';
import { setImage } from './set-image.ts';
import { connectTarget, onEachTarget, type ClusterTarget } from './targets.ts';
import { promotedContainer } from './workloads.ts';

type DirectContext = AdapterContext<DirectSettings>;

async function liveImage(ctx: DirectContext, target: ClusterTarget): Promise<string> {
  const client = connectTarget(ctx, target);
  const workload = await client.read(ctx.signal).catch((error: unknown) => {
    throw client.failure(error, 'get');
  });
  return promotedContainer(ctx.config, workload, client).image ?? '';
}

function workloadName(ctx: DirectContext): string {
  return `${ctx.config.kind.toLowerCase()} ${ctx.config.namespace}/${ctx.config.name}`;
}

/** The version of the first cluster; every cluster's image is in `detail`, by cluster. */
export async function current(ctx: DirectContext): Promise<Observed> {
  const images = await onEachTarget(ctx, true, (target) => liveImage(ctx, target));
  const [first] = images;
  return {
    version: first && first.value !== '' ? versionOf(first.value) : null,
    detail: Object.fromEntries(images.map(({ label, value }) => [label, value])),
  };
}

export async function plan(ctx: DirectContext): Promise<StepPreview> {
  const desired = imageFor(ctx.config.image, ctx.version);
  const images = await onEachTarget(ctx, true, (target) => liveImage(ctx, target));
  const stale = images.filter(({ value }) => value !== desired);
  if (stale.length === 0) {
    return {
      summary: `${workloadName(ctx)} already runs ${desired}: nothing to change`,
      details: [],
      reversible: true,
      changes: false,
    };
  }
  const order =
    images.length > 1 ? (ctx.config.parallel ? ' (all clusters at once)' : ' (one cluster after the other)') : '';
  return {
    summary: `set the image of ${workloadName(ctx)} to ${desired} and wait for the rollout${order}`,
    details: images.map(({ label, value }) =>
      value === desired ? `${label}: already runs ${desired}` : `${label}: ${value || '(no image)'} → ${desired}`,
    ),
    reversible: true,
    changes: true,
  };
}

function changeCause(ctx: DirectContext, what: string): string {
  return `Baton promotion ${ctx.promotionId}: ${what}`;
}

async function rollOut(ctx: DirectContext, target: ClusterTarget, image: string, cause: string): Promise<string> {
  const client = connectTarget(ctx, target);
  const change = await setImage(ctx, client, image, cause);
  ctx.log(
    change.changed
      ? `${target.label}: ${client.display} ${change.before} → ${image}`
      : `${target.label}: ${client.display} already runs ${image}`,
  );
  requireRolledOut(ctx, client, await waitForRollout(ctx, client), image);
  return change.before;
}

export async function apply(ctx: DirectContext): Promise<StepResult> {
  const image = imageFor(ctx.config.image, ctx.version);
  const cause = changeCause(ctx, `${ctx.component} ${ctx.version} to ${ctx.environment}`);
  const done = await onEachTarget(ctx, ctx.config.parallel, (target) => rollOut(ctx, target, image, cause));
  return {
    outputs: { image },
    summary: `${workloadName(ctx)} runs ${image} and has rolled out on ${done.map(({ label }) => label).join(', ')}`,
  };
}

export async function verify(ctx: DirectContext): Promise<Health> {
  const image = imageFor(ctx.config.image, ctx.version);
  const results = await onEachTarget(ctx, true, async (target) => {
    const client = connectTarget(ctx, target);
    return { live: await liveImage(ctx, target), result: await waitForRollout(ctx, client) };
  });
  const problems = results.flatMap(({ label, value }) => {
    if (value.live !== image) return [`${label}: runs ${value.live}, not ${image}`];
    if (value.result.outcome === 'done') return [];
    const how = value.result.outcome === 'failed' ? 'failed' : `not done after ${ctx.config.rolloutTimeout}`;
    return [`${label}: ${how}: ${value.result.message}`];
  });
  if (problems.length > 0) return { healthy: false, message: ctx.redact(problems.join('; ')) };
  return {
    healthy: true,
    message: `${workloadName(ctx)} runs ${image}, rolled out on ${results.map(({ label }) => label).join(', ')}`,
  };
}

export async function rollback(ctx: DirectContext, before: Observed): Promise<StepResult> {
  const cause = changeCause(ctx, `roll back ${ctx.component} ${ctx.version} in ${ctx.environment}`);
  const restoreTo = (target: ClusterTarget): string => {
    const recorded = before.detail?.[target.label];
    if (recorded) return recorded;
    if (before.version !== null) return imageFor(ctx.config.image, before.version);
    throw new TerminalStepError(
      ctx.redact(
        `Cannot roll back ${ctx.component} on ${target.label}: Baton does not know which image ${workloadName(ctx)} ran before this step. ` +
          `Set it by hand (kubectl -n ${ctx.config.namespace} rollout undo ${ctx.config.kind.toLowerCase()}/${ctx.config.name}).`,
      ),
    );
  };
  const done = await onEachTarget(ctx, ctx.config.parallel, async (target) => {
    const image = restoreTo(target);
    await rollOut(ctx, target, image, cause);
    return image;
  });
  return {
    outputs: { image: [...new Set(done.map(({ value }) => value))].join(', ') },
    summary: `rolled back ${workloadName(ctx)}: ${done.map(({ label, value }) => `${label} runs ${value}`).join(', ')}`,
  };
}
