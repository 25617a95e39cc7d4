/** Queue waits: a queue whose handler notes how long each job waited for a worker of this process. */
import type { JobQueue } from '../engine/contract.ts';
import type { BatonMetrics } from './baton-metrics.ts';

export function timedQueue(queue: JobQueue, name: string, metrics: BatonMetrics): JobQueue {
  return new Proxy(queue, {
    get(target, property, receiver) {
      if (property === 'work') {
        const work: JobQueue['work'] = (handler, options) =>
          target.work(async (job) => {
            if (job.readyAt !== undefined)
              metrics.queueWait.observe({ queue: name }, Math.max(0, Date.now() - job.readyAt) / 1000);
            await handler(job);
          }, options);
        return work;
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
