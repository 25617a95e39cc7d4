/** Waits for work only as long as a platform gives to answer: what is ready goes with the acknowledgement. */

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** How `work` came out, if it did within `ms`. */
export async function settledWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T> | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  const settled = work.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
