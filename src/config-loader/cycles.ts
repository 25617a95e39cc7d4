interface Frame {
  node: string;
  nextEdge: number;
}

/**
 * Cycles found by one depth-first pass over `nodes` in order, each written as
 * the path with its first node repeated at the end (`a → b → a`). Runs in
 * O(V + E) plus the length of the cycles it reports; each is reported once.
 */
export function findCycles(nodes: readonly string[], edgesOf: (node: string) => readonly string[]): string[][] {
  const finished = new Set<string>();
  const depthOnPath = new Map<string, number>();
  const reported = new Set<string>();
  const cycles: string[][] = [];
  for (const root of nodes) {
    if (finished.has(root)) continue;
    const path: Frame[] = [{ node: root, nextEdge: 0 }];
    depthOnPath.set(root, 0);
    while (path.length > 0) {
      const frame = path[path.length - 1] as Frame;
      const target = edgesOf(frame.node)[frame.nextEdge++];
      if (target === undefined) {
        path.pop();
        depthOnPath.delete(frame.node);
        finished.add(frame.node);
        continue;
      }
      const depth = depthOnPath.get(target);
      if (depth !== undefined) {
        const cycle = [...path.slice(depth).map((onPath) => onPath.node), target];
        const key = cycle.join('\u0000');
        if (!reported.has(key)) {
          reported.add(key);
          cycles.push(cycle);
        }
      } else if (!finished.has(target)) {
        depthOnPath.set(target, path.length);
        path.push({ node: target, nextEdge: 0 });
      }
    }
  }
  return cycles;
}
