/**
 * Promotions handed out by `updatePromotion` are frozen, all the way down, so
 * an engine can keep them and share their unchanged parts with the next
 * version instead of copying them: a change builds a new object with spreads.
 */

export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}
