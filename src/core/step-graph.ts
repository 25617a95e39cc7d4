/**
 * Turns a release and an environment into the step DAG of a promotion: one
 * step per component of the release, ordered by `needs`, grouped in waves of
 * steps that can run at the same time. Linear in components + needs.
 */
import type { Component, Ledger, Pipeline, Release, Step } from './model.ts';

export interface StepGraph {
  steps: Step[];
  waves: string[][];
}

export function stepIdFor(promotionId: string, component: string): string {
  return `${promotionId}.${component}`;
}

/**
 * The release components a component waits for. A dependency outside the
 * release is already running, so we look through it to the release
 * components it depends on: their order still matters.
 */
function releaseDependencies(
  components: ReadonlyMap<string, Component>,
  inRelease: ReadonlySet<string>,
): Map<string, string[]> {
  const throughMemo = new Map<string, Set<string>>();
  const reachThrough = (name: string): Set<string> => {
    const known = throughMemo.get(name);
    if (known) return known;
    const found = new Set<string>();
    throughMemo.set(name, found);
    for (const need of components.get(name)?.needs ?? []) {
      if (inRelease.has(need)) found.add(need);
      else for (const indirect of reachThrough(need)) found.add(indirect);
    }
    return found;
  };
  const result = new Map<string, string[]>();
  for (const name of inRelease) result.set(name, [...reachThrough(name)]);
  return result;
}

/** `ledger`: what the target environment runs now, for each step's previous version. */
export function buildStepGraph(pipeline: Pipeline, release: Release, promotionId: string, ledger: Ledger): StepGraph {
  const components = new Map(pipeline.components.map((c) => [c.name, c]));
  // Keep the pipeline's declaration order so the plan reads the way the config does.
  const ordered = pipeline.components.filter((c) => c.name in release.versions);
  const inRelease = new Set(ordered.map((c) => c.name));
  const dependencies = releaseDependencies(components, inRelease);

  const dependents = new Map<string, string[]>(ordered.map((c) => [c.name, []]));
  const waiting = new Map<string, number>();
  for (const component of ordered) {
    const needs = dependencies.get(component.name) ?? [];
    waiting.set(component.name, needs.length);
    for (const need of needs) dependents.get(need)?.push(component.name);
  }

  const waveOf = new Map<string, number>();
  const waves: string[][] = [];
  let current = ordered.filter((c) => waiting.get(c.name) === 0).map((c) => c.name);
  while (current.length > 0) {
    waves.push(current);
    const next: string[] = [];
    for (const name of current) {
      waveOf.set(name, waves.length - 1);
      for (const dependent of dependents.get(name) ?? []) {
        const left = (waiting.get(dependent) ?? 0) - 1;
        waiting.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    current = next;
  }

  const steps: Step[] = ordered.map((component) => ({
    id: stepIdFor(promotionId, component.name),
    component: component.name,
    adapter: component.adapter,
    version: release.versions[component.name] ?? '',
    previousVersion: ledger[component.name]?.version ?? null,
    needs: dependencies.get(component.name) ?? [],
    wave: waveOf.get(component.name) ?? 0,
    preview: null,
    status: 'pending',
    attempts: 0,
    outputs: {},
    log: [],
  }));
  steps.sort((a, b) => a.wave - b.wave);
  return { steps, waves };
}
