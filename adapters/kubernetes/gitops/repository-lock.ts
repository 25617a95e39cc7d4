/**
 * One git operation at a time per repository in this process: two steps
 * sharing a working copy must not reset it under each other's feet.
 */

const tails = new Map<string, Promise<void>>();

/**
 * Runs `work` once every earlier holder of `key` has finished. Waiting ends
 * early when `signal` fires; the work itself is expected to watch the signal too.
 */
export async function withRepositoryLock<T>(key: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = before.then(() => mine);
  tails.set(key, tail);
  try {
    await waitUnlessAborted(before, signal);
    return await work();
  } finally {
    release();
    // The map only keeps a key while someone holds or waits for it.
    if (tails.get(key) === tail) tails.delete(key);
  }
}

function waitUnlessAborted(turn: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
