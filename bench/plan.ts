/**
 * Load + validate + plan for N components × 5 environments with random
 * `needs`, at 1,000 and 4,000 components side by side: the cost per
 * component should stay flat (linear growth).
 */
import { performance } from 'node:perf_hooks';
import { createAdapterLookup } from '../adapters/registry.ts';
import { buildStepGraph } from '../src/core/step-graph.ts';
import { parsePipeline } from '../src/config-loader/load.ts';

const ENVIRONMENTS = ['dev', 'qa', 'staging', 'eu-prod', 'us-prod'];
const MAX_NEEDS = 3;

/** A seeded generator, so every run plans the same pipeline. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function pipelineYaml(components: number): string {
  const next = random(components);
  const lines = ['version: 1', 'environments:'];
  ENVIRONMENTS.forEach((name, index) => {
    lines.push(`  - name: ${name}`);
    if (index > 0) lines.push(`    requires: [${ENVIRONMENTS[index - 1]}]`, '    approvals: { required: 1 }');
  });
  lines.push('components:');
  for (let i = 0; i < components; i += 1) {
    // Needs point only at earlier components, so the graph has no cycle.
    const needs = new Set<number>();
    const count = i === 0 ? 0 : Math.floor(next() * (MAX_NEEDS + 1));
    for (let n = 0; n < count; n += 1) needs.add(Math.floor(next() * i));
    lines.push(`  c${i}:`, '    adapter: script', `    with: { apply: [deploy, "c${i}", "\${version}"] }`);
    if (needs.size > 0) lines.push(`    needs: [${[...needs].map((n) => `c${n}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

interface Figures {
  components: number;
  needs: number;
  loadMs: number;
  planMs: number;
  waves: number;
}

function measure(components: number): Figures {
  const yaml = pipelineYaml(components);
  const adapters = createAdapterLookup();
  const loadStart = performance.now();
  const pipeline = parsePipeline(yaml, 'bench.yaml', { adapters });
  const loadMs = performance.now() - loadStart;
  const versions = Object.fromEntries(pipeline.components.map((c) => [c.name, '1.0.0']));
  const planStart = performance.now();
  let waves = 0;
  for (const environment of ENVIRONMENTS) {
    waves = buildStepGraph(pipeline, { name: 'bench', versions }, `p-${environment}`, {}).waves.length;
  }
  const planMs = performance.now() - planStart;
  return { components, needs: pipeline.components.reduce((sum, c) => sum + c.needs.length, 0), loadMs, planMs, waves };
}

/** The best of a few runs: the first ones pay for JIT compilation and GC warm-up. */
function best(components: number, runs = 5): Figures {
  const results = Array.from({ length: runs }, () => measure(components));
  return results.reduce((a, b) => (a.loadMs + a.planMs <= b.loadMs + b.planMs ? a : b));
}

const rows = [best(1000), best(4000)];
const perComponent = (ms: number, n: number) => ((ms / n) * 1000).toFixed(1);

console.log('components  needs   load+validate   plan ×5 envs   waves   µs/component (load, plan)');
for (const row of rows) {
  console.log(
    `${String(row.components).padStart(10)}  ${String(row.needs).padStart(5)}   ${row.loadMs.toFixed(1).padStart(10)} ms   ${row.planMs.toFixed(1).padStart(9)} ms   ${String(row.waves).padStart(5)}   ${perComponent(row.loadMs, row.components)}, ${perComponent(row.planMs, row.components)}`,
  );
}
const [small, large] = rows;
if (small && large) {
  console.log(
    `4× the components took ${(large.loadMs / small.loadMs).toFixed(2)}× the load time and ${(large.planMs / small.planMs).toFixed(2)}× the plan time (linear = 4×).`,
  );
}
