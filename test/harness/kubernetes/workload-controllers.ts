/**
 * Stand-ins for the Deployment, StatefulSet and DaemonSet controllers: on each
 * tick they move a rollout one step, writing status the way the real
 * controllers do (observedGeneration first, then updated, then available
 * replicas), so clients see a rollout progress over time. An image marked as
 * failing never becomes available: a Deployment then reports
 * ProgressDeadlineExceeded, a StatefulSet or DaemonSet just stays unready.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, ObjectStore } from './object-store.ts';
import type { Json } from './patches.ts';

export interface RolloutBehaviour {
  /** Images whose pods never become ready. */
  failingImages: Set<string>;
  /** Ticks a stuck Deployment takes before it reports ProgressDeadlineExceeded. */
  deadlineTicks: number;
  /** Nodes a DaemonSet schedules a pod on. */
  nodes: number;
}

interface RolloutState {
  template: string;
  rolling: boolean;
  stuck: boolean;
  ticks: number;
}

type Status = { [key: string]: Json };
type Condition = { type: string; status: string; reason: string; message: string };

const KINDS = new Set(['deployments', 'statefulsets', 'daemonsets']);

function templateOf(object: KubeObject): { key: string; hash: string; images: string[] } {
  const spec = (object.spec ?? {}) as { template?: { spec?: { containers?: { image?: string }[] } } };
  const key = JSON.stringify(spec.template ?? {});
  const images = (spec.template?.spec?.containers ?? []).map((container) => container.image ?? '');
  return { key, hash: createHash('sha256').update(key).digest('hex').slice(0, 10), images };
}

function wanted(object: KubeObject): number {
  return ((object.spec ?? {}) as { replicas?: number }).replicas ?? 1;
}

function setCondition(status: Status, condition: Condition): void {
  const conditions = ((status.conditions ?? []) as Condition[]).filter((existing) => existing.type !== condition.type);
  status.conditions = [...conditions, condition];
}

export class WorkloadControllers {
  private readonly states = new Map<string, RolloutState>();

  constructor(
    private readonly store: ObjectStore,
    private readonly behaviour: RolloutBehaviour,
  ) {}

  /** Moves every workload one step; each change is written (and watched) like a controller's status update. */
  tick(): void {
    for (const { collection, object } of this.store.all()) {
      const plural = collection.slice(collection.lastIndexOf('/') + 1);
      if (!KINDS.has(plural)) continue;
      const status: Status = structuredClone((object.status ?? {}) as Status);
      if (this.step(`${collection}/${object.metadata.name}`, plural, object, status)) {
        this.store.put(collection, { ...object, status });
      }
    }
  }

  private step(key: string, plural: string, object: KubeObject, status: Status): boolean {
    const template = templateOf(object);
    const generation = object.metadata.generation ?? 1;
    let state = this.states.get(key);
    if (state === undefined) {
      // A workload created already rolled out is steady; one created fresh rolls out.
      const steady = (status.observedGeneration as number | undefined) === generation;
      state = { template: steady ? template.key : '', rolling: false, stuck: false, ticks: 0 };
      this.states.set(key, state);
    }
    if (((status.observedGeneration as number | undefined) ?? 0) < generation) {
      status.observedGeneration = generation;
      if (state.template !== template.key) {
        state.template = template.key;
        state.rolling = true;
        state.ticks = 0;
        state.stuck = template.images.some((image) => this.behaviour.failingImages.has(image));
        this.startRollout(plural, object, status, template.hash);
      }
      return true;
    }
    if (!state.rolling) return false;
    state.ticks += 1;
    switch (plural) {
      case 'deployments':
        return this.stepDeployment(object, status, state, template.hash);
      case 'statefulsets':
        return this.stepStatefulSet(object, status, state);
      default:
        return this.stepDaemonSet(status, state);
    }
  }

  private startRollout(plural: string, object: KubeObject, status: Status, hash: string): void {
    const name = object.metadata.name;
    if (plural === 'deployments') {
      status.updatedReplicas = 0;
      status.replicas = wanted(object);
      status.availableReplicas = (status.availableReplicas as number | undefined) ?? 0;
      setCondition(status, {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: `ReplicaSet "${name}-${hash}" is progressing.`,
      });
    } else if (plural === 'statefulsets') {
      status.updateRevision = `${name}-${hash}`;
      status.updatedReplicas = 0;
      status.replicas = wanted(object);
    } else {
      status.desiredNumberScheduled = this.behaviour.nodes;
      status.updatedNumberScheduled = 0;
    }
  }

  private stepDeployment(object: KubeObject, status: Status, state: RolloutState, hash: string): boolean {
    const want = wanted(object);
    const updated = (status.updatedReplicas as number | undefined) ?? 0;
    const total = (status.replicas as number | undefined) ?? 0;
    const available = (status.availableReplicas as number | undefined) ?? 0;
    if (state.stuck) {
      if (updated === 0) {
        Object.assign(status, { updatedReplicas: 1, replicas: want + 1 });
        return true;
      }
      if (state.ticks < this.behaviour.deadlineTicks) return false;
      state.rolling = false;
      setCondition(status, {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${object.metadata.name}-${hash}" has timed out progressing.`,
      });
      return true;
    }
    if (updated < want) {
      // A new pod is surged in while the old ones keep serving.
      Object.assign(status, {
        updatedReplicas: updated + 1,
        replicas: want + 1,
        availableReplicas: Math.min(available, want),
      });
    } else if (total > want) {
      Object.assign(status, { replicas: want, availableReplicas: Math.max(want - 1, 0) });
    } else if (available < want) {
      state.rolling = false;
      status.availableReplicas = want;
      status.readyReplicas = want;
      setCondition(status, {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${object.metadata.name}-${hash}" has successfully progressed.`,
      });
      setCondition(status, {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      });
    } else {
      state.rolling = false;
    }
    return true;
  }

  private stepStatefulSet(object: KubeObject, status: Status, state: RolloutState): boolean {
    const want = wanted(object);
    const updated = (status.updatedReplicas as number | undefined) ?? 0;
    if (state.stuck) {
      if (updated > 0) return false;
      Object.assign(status, { updatedReplicas: 1, readyReplicas: want - 1 });
      return true;
    }
    if (updated < want) {
      // Pods are replaced one at a time, from the highest ordinal down; the one being replaced is not ready.
      Object.assign(status, { updatedReplicas: updated + 1, readyReplicas: want - 1 });
    } else {
      state.rolling = false;
      Object.assign(status, {
        readyReplicas: want,
        currentReplicas: want,
        currentRevision: status.updateRevision ?? null,
      });
    }
    return true;
  }

  private stepDaemonSet(status: Status, state: RolloutState): boolean {
    const desired = this.behaviour.nodes;
    const updated = (status.updatedNumberScheduled as number | undefined) ?? 0;
    if (state.stuck) {
      if (updated > 0) return false;
      Object.assign(status, { updatedNumberScheduled: 1, numberAvailable: desired - 1 });
      return true;
    }
    if (updated < desired) {
      Object.assign(status, { updatedNumberScheduled: updated + 1, numberAvailable: desired - 1 });
    } else {
      state.rolling = false;
      Object.assign(status, { numberAvailable: desired, numberReady: desired });
    }
    return true;
  }
}
