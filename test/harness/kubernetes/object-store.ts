/**
 * The stand-in's etcd: objects by collection and name, one resourceVersion
 * counter for everything, and a bounded history of changes that watches
 * replay from. A watch asking for a version older than the history gets
 * 410 Expired, as from the real API server once etcd compacted.
 */
import type { Json } from './patches.ts';

export interface ObjectMeta {
  name: string;
  namespace: string;
  resourceVersion?: string;
  generation?: number;
  uid?: string;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Json;
  status?: Json;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: EventType;
  collection: string;
  object: KubeObject;
  resourceVersion: number;
}

const HISTORY_LIMIT = 1_000;

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private version = 100;
  /** Versions at or before this one are no longer in the history. */
  private compactedThrough = 100;

  get resourceVersion(): number {
    return this.version;
  }

  get(collection: string, name: string): KubeObject | undefined {
    const found = this.objects.get(`${collection}/${name}`);
    return found === undefined ? undefined : structuredClone(found);
  }

  list(collection: string): KubeObject[] {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${collection}/`) && !key.slice(collection.length + 1).includes('/'))
      .map(([, object]) => structuredClone(object));
  }

  /** Every object with the collection it is in. */
  all(): { collection: string; object: KubeObject }[] {
    return [...this.objects.entries()].map(([key, object]) => ({
      collection: key.slice(0, key.lastIndexOf('/')),
      object: structuredClone(object),
    }));
  }

  /** Stores the object under a new resourceVersion and tells every watcher. */
  put(collection: string, object: KubeObject): KubeObject {
    const key = `${collection}/${object.metadata.name}`;
    const type: EventType = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.version += 1;
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.version);
    this.objects.set(key, stored);
    this.record({ type, collection, object: structuredClone(stored), resourceVersion: this.version });
    return structuredClone(stored);
  }

  /** Changes after `resourceVersion` in `collection`, or `expired` when the history no longer reaches back that far. */
  eventsSince(collection: string, resourceVersion: number): StoredEvent[] | 'expired' {
    if (resourceVersion < this.compactedThrough) return 'expired';
    return this.history.filter((event) => event.collection === collection && event.resourceVersion > resourceVersion);
  }

  get oldestResourceVersion(): number {
    return this.compactedThrough;
  }

  /** Forgets the history, as an etcd compaction does: older watches must start over. */
  compact(): void {
    this.history = [];
    this.compactedThrough = this.version;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.shift();
      if (dropped) this.compactedThrough = dropped.resourceVersion;
    }
    for (const listener of this.listeners) listener(event);
  }
}
