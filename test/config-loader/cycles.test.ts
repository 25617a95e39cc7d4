import { describe, expect, it } from 'vitest';
import { findCycles } from '../../src/config-loader/cycles.ts';

function cyclesOf(graph: Record<string, string[]>): string[][] {
  return findCycles(Object.keys(graph), (node) => graph[node] ?? []);
}

describe('findCycles', () => {
  it('finds nothing in a DAG', () => {
    expect(cyclesOf({ api: ['iam', 'schema'], schema: ['iam'], iam: [] })).toEqual([]);
  });

  it('writes a cycle from where the search entered it, closing it with its first node', () => {
    expect(cyclesOf({ api: ['schema'], schema: ['iam'], iam: ['api'] })).toEqual([['api', 'schema', 'iam', 'api']]);
  });

  it('reports each cycle once, even when an edge is listed twice', () => {
    expect(cyclesOf({ a: ['b', 'b'], b: ['a', 'a'], c: ['d'], d: ['c'] })).toEqual([
      ['a', 'b', 'a'],
      ['c', 'd', 'c'],
    ]);
  });

  it('ignores edges to nodes outside the graph', () => {
    expect(cyclesOf({ a: ['missing'] })).toEqual([]);
  });

  it('handles a chain deeper than the call stack would allow', () => {
    const graph: Record<string, string[]> = {};
    for (let i = 0; i < 50_000; i++) graph[`n${i}`] = [`n${i + 1}`];
    graph.n50000 = ['n0'];
    const [cycle] = cyclesOf(graph);
    expect(cycle).toHaveLength(50_002);
    expect(cycle?.at(-1)).toBe('n0');
  });
});
