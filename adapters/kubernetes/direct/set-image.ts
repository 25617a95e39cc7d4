/**
 * Sets the image of one container of a workload with a strategic merge
 * patch. The patch carries the resourceVersion Baton read, so it only lands
 * on the object Baton looked at: the image it reports as "before" is the one
 * it replaced. A 409 Conflict (someone wrote in between) means: read again, try again.
 */
import type { AdapterContext } from '../../kit/contract.ts';
import { RetryableStepError } from '../../kit/step-errors.ts';
import { isConflict } from '../cluster/failures.ts';
import type { DirectSettings } from './schema.ts';
import { promotedContainer, type WorkloadClient } from './workloads.ts';

export const MAX_CONFLICT_ATTEMPTS = 5;

export interface ImageChange {
  /** The image the container ran before. */
  before: string;
  changed: boolean;
}

export async function setImage(
  ctx: AdapterContext<DirectSettings>,
  client: WorkloadClient,
  image: string,
  changeCause: string,
): Promise<ImageChange> {
  for (let attempt = 1; attempt <= MAX_CONFLICT_ATTEMPTS; attempt += 1) {
    const workload = await client.read(ctx.signal).catch((error: unknown) => {
      throw client.failure(error, 'get');
    });
    const container = promotedContainer(ctx.config, workload, client);
    const before = container.image ?? '';
    if (before === image) return { before, changed: false };
    const body = {
      metadata: {
        resourceVersion: workload.metadata?.resourceVersion,
        // Shown by `kubectl rollout history`.
        annotations: { 'kubernetes.io/change-cause': changeCause },
      },
      spec: { template: { spec: { containers: [{ name: container.name, image }] } } },
    };
    try {
      await client.patch(body, ctx.signal);
      return { before, changed: true };
    } catch (error) {
      if (!isConflict(error)) throw client.failure(error, 'patch');
      ctx.log(
        `${client.display} on ${client.cluster.label} changed while Baton patched it (409 Conflict, attempt ${attempt} of ${MAX_CONFLICT_ATTEMPTS}): reading it again`,
      );
    }
  }
  throw new RetryableStepError(
    ctx.redact(
      `Could not set the image of ${client.display} on ${client.cluster.label}: it changed under Baton ${MAX_CONFLICT_ATTEMPTS} times in a row (409 Conflict). ` +
        'Something else is writing to it constantly (an autoscaler, another deploy tool); another attempt may pass.',
    ),
  );
}
