/**
 * `{{rollbackTo}}` in the rollback settings: the version to go back to. The
 * core fills `${…}` placeholders before the step, when it does not yet know
 * what a rollback restores; this token is filled by the adapter at rollback
 * time with the version that ran before the step (`before.version`).
 */

export const ROLLBACK_TO = '{{rollbackTo}}';

export function usesRollbackTo(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(ROLLBACK_TO);
  if (Array.isArray(value)) return value.some(usesRollbackTo);
  if (value !== null && typeof value === 'object') return Object.values(value).some(usesRollbackTo);
  return false;
}

/** Replaces the token in every string inside `value`, leaving its shape alone. */
export function fillRollbackTo<T>(value: T, version: string): T {
  const fillAny = (item: unknown): unknown => {
    if (typeof item === 'string') return item.replaceAll(ROLLBACK_TO, version);
    if (Array.isArray(item)) return item.map(fillAny);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, fillAny(inner)]));
    }
    return item;
  };
  return fillAny(value) as T;
}
