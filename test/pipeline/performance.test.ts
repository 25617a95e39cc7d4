import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { parse } from './parse-helpers.ts';

/** A config with `count` components, each needing up to three earlier ones at random. */
function largeConfig(count: number, options: { cycle?: boolean } = {}): string {
  let seed = 42;
  const random = (below: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((seed / 2_147_483_648) * below);
  };
  const lines = ['version: 1', 'environments:', '  - name: dev', '  - name: prod', '    requires: [dev]', 'components:'];
  for (let i = 0; i < count; i++) {
    const needs = i === 0 ? (options.cycle ? [`c${count - 1}`] : []) : [...new Set([random(i), random(i), random(i)])].map((n) => `c${n}`);
    const input = needs[0] === undefined ? '' : `, "--in=\${${needs[0]}.outputs.url}"`;
    lines.push(`  c${i}:`, '    adapter: script', `    needs: [${needs.join(', ')}]`, '    outputs: [url]', `    with: { apply: ["deploy", "\${env}"${input}] }`);
  }
  return `${lines.join('\n')}\n`;
}

function fastestOf(runs: number, task: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    task();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

describe('loading a large config', () => {
  const large = largeConfig(4_000);

  // Most of the time is the yaml package's parser. The bound is twice the goal
  // of one second because test runs share the machine; anything quadratic
  // takes many seconds at this size.
  it('loads 4,000 components with random needs quickly', () => {
    let componentCount = 0;
    const elapsed = fastestOf(2, () => {
      componentCount = parse(large).components.length;
    });
    expect(componentCount).toBe(4_000);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('grows linearly with the number of components', () => {
    const quarter = largeConfig(1_000);
    const quarterMs = fastestOf(2, () => parse(quarter));
    const fullMs = fastestOf(2, () => parse(large));
    expect(fullMs / quarterMs).toBeLessThan(8);
  });

  it('finds a cycle through thousands of components quickly', () => {
    const cyclic = largeConfig(4_000, { cycle: true });
    let problems: string[] = [];
    const elapsed = fastestOf(1, () => {
      try {
        parse(cyclic);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.issues.map((issue) => issue.message);
      }
    });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((message) => message.startsWith('cycle in needs: c0 → c3999 → '))).toBe(true);
    expect(elapsed).toBeLessThan(2_000);
  });
});
