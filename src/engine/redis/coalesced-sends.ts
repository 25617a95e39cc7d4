/**
 * Calls for one key while a send for it is in flight share one follow-up
 * send that starts after it. Each caller's promise settles with a send that
 * started after the call, so whatever the caller wrote before calling is
 * covered; a burst of calls costs at most two sends.
 */
export function coalesced<T>(keyOf: (item: T) => string, send: (item: T) => Promise<void>): (item: T) => Promise<void> {
  const tails = new Map<string, { started: boolean; done: Promise<void> }>();
  return (item) => {
    const key = keyOf(item);
    const tail = tails.get(key);
    if (tail && !tail.started) return tail.done;
    const next = { started: false, done: Promise.resolve() };
    next.done = (tail?.done ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        next.started = true;
        return send(item);
      });
    tails.set(key, next);
    void next.done
      .catch(() => {})
      .then(() => {
        if (tails.get(key) === next) tails.delete(key);
      });
    return next.done;
  };
}
