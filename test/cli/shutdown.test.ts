/** What an operator sees when stopping Baton: the lines written and the exit code. */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { leftBehindBy, stopOnSignal, type Stoppable } from '../../src/shutdown.ts';

interface Scene {
  signals: EventEmitter;
  lines: string[];
  exits: number[];
  finishClose(): void;
  failClose(error: Error): void;
}

function stoppingWith(running: string[], durable = true): Scene {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  let finish = () => {};
  let fail: (error: Error) => void = () => {};
  const target: Stoppable = {
    close: () =>
      new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      }),
    running: () => running,
  };
  stopOnSignal(target, { graceMs: 1500, leftBehind: leftBehindBy({ durable }), write: (line) => lines.push(line), exit: (code) => exits.push(code), signals });
  return { signals, lines, exits, finishClose: () => finish(), failClose: (error) => fail(error) };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

it('exits 0 once the running steps finish within the grace period', async () => {
  const scene = stoppingWith(['step 1.api (promotion #1)']);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  expect(scene.lines).toEqual(['SIGTERM: stopping. No new steps are taken; running ones have 1.5s to finish (BATON_SHUTDOWN_GRACE_MS).']);
  await vi.advanceTimersByTimeAsync(1000);
  scene.finishClose();
  await vi.advanceTimersByTimeAsync(5000);
  expect(scene.lines.at(-1)).toBe('Stopped: every running step finished and is recorded.');
  expect(scene.exits).toEqual([0]);
});

it('names the steps it hands back when the grace period is over, and exits 1', async () => {
  const scene = stoppingWith(['step 1.api (promotion #1)', 'step 2.schema (promotion #2)']);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  await vi.advanceTimersByTimeAsync(1499);
  expect(scene.exits).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(scene.lines.at(-1)).toBe(
    "Still running after 1.5s: handed back step 1.api (promotion #1), step 2.schema (promotion #2). Another worker resumes each with the same step id once this process's claim on it lapses (BATON_REDIS_LOCK_MS); with no worker running, they wait in Redis until one starts.",
  );
  expect(scene.exits).toEqual([1]);
});

it('on the embedded engine, says the steps cut off will be marked interrupted at the next start', async () => {
  const scene = stoppingWith(['step 1.api (promotion #1)'], false);
  scene.signals.emit('SIGINT', 'SIGINT');
  await vi.advanceTimersByTimeAsync(1500);
  expect(scene.lines.at(-1)).toBe(
    'Still running after 1.5s: cut off step 1.api (promotion #1). Each is marked interrupted when Baton starts again with this data folder; check what it changed then, and roll back if needed.',
  );
  expect(scene.exits).toEqual([1]);
});

it('stops at once on a second signal, naming what it hands back', () => {
  const scene = stoppingWith(['step 1.api (promotion #1)']);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  scene.signals.emit('SIGINT', 'SIGINT');
  expect(scene.lines.at(-1)).toMatch(/^SIGINT again: stopping now: handed back step 1\.api \(promotion #1\)\. Another worker resumes/);
  expect(scene.exits).toEqual([1]);
});

it('exits 1 and says why when closing fails', async () => {
  const scene = stoppingWith([]);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  scene.failClose(new Error('Connection is closed.'));
  await vi.advanceTimersByTimeAsync(0);
  expect(scene.lines.at(-1)).toBe('Could not stop cleanly (Connection is closed.); no step was running.');
  expect(scene.exits).toEqual([1]);
});
