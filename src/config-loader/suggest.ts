const MAX_LISTED = 12;

/** Optimal string alignment distance: edits, with a swap of neighbours counting as one. */
function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const table = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => table[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) table[i * width] = i;
  for (let j = 0; j <= b.length; j++) table[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      table[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const allowed = Math.min(3, Math.ceil(name.length / 3));
  let closest: string | undefined;
  let closestDistance = allowed + 1;
  for (const candidate of known) {
    if (Math.abs(candidate.length - name.length) > allowed) continue;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < closestDistance) {
      closest = candidate;
      closestDistance = distance;
    }
  }
  return closest;
}

export function listNames(names: readonly string[]): string {
  if (names.length <= MAX_LISTED) return names.join(', ');
  return `${names.slice(0, MAX_LISTED).join(', ')} and ${names.length - MAX_LISTED} more`;
}

/** `unknown environment "stagin": did you mean "staging"? (expected one of dev, staging)` */
export function describeUnknown(subject: string, name: string, known: readonly string[]): string {
  if (known.length === 0) return `${subject} "${name}"`;
  const guess = closestName(name, known);
  if (guess === undefined) return `${subject} "${name}": expected one of ${listNames(known)}`;
  return `${subject} "${name}": did you mean "${guess}"? (expected one of ${listNames(known)})`;
}
