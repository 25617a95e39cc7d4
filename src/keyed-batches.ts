/**
 * Writes to one key go one batch at a time: whatever is asked for while a
 * write is in flight goes into the next write together, in the order asked.
 * A burst (steps of one promotion finishing together, lines of one journal)
 * becomes one round trip or one disk write instead of many. On Redis, racing
 * the writes would only make the compare-and-set fail and retry; other
 * processes are still fenced by the compare-and-set.
 */

export interface Pending<Input, Output> {
  input: Input;
  resolve(value: Output): void;
  reject(error: unknown): void;
}

/** Writes one batch; must settle every entry it is given. */
export type BatchWriter<Input, Output> = (key: string, batch: Pending<Input, Output>[]) => Promise<void>;

/**
 * How long the first write of a key waits for company: `turn` lets the rest
 * of this event-loop turn join (concurrent jobs' updates, say); `microtask`
 * only what is asked for before the current code yields, for a write someone
 * is waiting on that should not wait for a turn of the loop.
 */
export type Gathering = 'turn' | 'microtask';

export class KeyedBatches<Input, Output> {
  private readonly queued = new Map<string, Pending<Input, Output>[]>();
  /** Keys being written, each with the run that writes its batches. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly write: BatchWriter<Input, Output>,
    private readonly gathering: Gathering = 'turn',
  ) {}

  push(key: string, input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      const queue = this.queued.get(key);
      if (queue) queue.push({ input, resolve, reject });
      else this.queued.set(key, [{ input, resolve, reject }]);
      if (!this.writing.has(key)) this.writing.set(key, this.drain(key));
    });
  }

  /** Resolves once everything asked for so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }

  private async drain(key: string): Promise<void> {
    try {
      // Let whatever else is asked for now join the first batch.
      await new Promise((resolve) =>
        this.gathering === 'turn' ? setImmediate(resolve) : queueMicrotask(() => resolve(undefined)),
      );
      for (let batch = this.queued.get(key); batch; batch = this.queued.get(key)) {
        this.queued.delete(key);
        try {
          await this.write(key, batch);
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.writing.delete(key);
    }
  }
}

export type Outcome<Output> = { ok: true; value: Output } | { ok: false; error: unknown };

/** Gives each entry of a written batch its own result or error. */
export function settle<Input, Output>(batch: Pending<Input, Output>[], outcomes: Outcome<Output>[]): void {
  for (const [index, entry] of batch.entries()) {
    const outcome = outcomes[index];
    if (outcome?.ok) entry.resolve(outcome.value);
    else entry.reject(outcome?.error);
  }
}
