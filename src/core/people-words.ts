/** Users and `@groups` as they appear in approval and requester lists. */

export function describePeople(refs: readonly string[]): string {
  if (refs.length <= 1) return refs.join('');
  return `${refs.slice(0, -1).join(', ')} or ${refs[refs.length - 1]}`;
}

/** Whether `user` is one of `refs` (user ids and `@group` names). */
export function isAmong(user: string, refs: readonly string[], groups: Readonly<Record<string, string[]>>): boolean {
  return refs.some((ref) => (ref.startsWith('@') ? (groups[ref.slice(1)] ?? []).includes(user) : ref === user));
}
