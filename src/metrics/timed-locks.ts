/**
 * Times how long each promotion holds its environment, by wrapping the
 * store's lock calls: locks are the store's business, and the core takes and
 * gives them back through it alone.
 */
import type { Store } from '../engine/contract.ts';
import type { BatonMetrics } from './baton-metrics.ts';

export function timedLocks(store: Store, metrics: BatonMetrics): Store {
  /** `environment\0promotion` → when this process saw the promotion take it. */
  const taken = new Map<string, number>();
  const key = (environment: string, promotionId: string) => `${environment}\u0000${promotionId}`;
  const lockEnvironment: Store['lockEnvironment'] = async (environment, promotionId) => {
    const holder = await store.lockEnvironment(environment, promotionId);
    // Taking it again (a promotion planned, then started) keeps the first time.
    if (holder === promotionId && !taken.has(key(environment, promotionId)))
      taken.set(key(environment, promotionId), performance.now());
    return holder;
  };
  const unlockEnvironment: Store['unlockEnvironment'] = async (environment, promotionId) => {
    await store.unlockEnvironment(environment, promotionId);
    const since = taken.get(key(environment, promotionId));
    if (since === undefined) return;
    taken.delete(key(environment, promotionId));
    metrics.lockHeld.observe({ environment }, (performance.now() - since) / 1000);
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'lockEnvironment') return lockEnvironment;
      if (property === 'unlockEnvironment') return unlockEnvironment;
      const value: unknown = Reflect.get(target, property, receiver);
      // The store's own methods run on the store, not on this proxy.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
