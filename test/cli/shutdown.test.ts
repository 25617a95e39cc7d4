/** What an operator sees when stopping Baton: the lines written and the exit code. */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { leftBehindBy, stopOnSignal, type Stoppable } from '../../src/shutdown.ts';

interface Scene {
  signals: EventEmitter;
  lines: string[];
  exits: number[];
  /** What happened, in order: "let go", "programs gone", "exit 1". */
  events: string[];
  /** Lets the programs of the steps let go of finish exiting. */
  programsGone(): void;
  finishClose(): void;
  failClose(error: Error): void;
}

function stoppingWith(running: string[], durable = true): Scene {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  const events: string[] = [];
  let programsGone = () => {};
  let finish = () => {};
  let fail: (error: Error) => void = () => {};
  const target: Stoppable = {
    close: () =>
      new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      }),
    running: () => running,
    handBack: () => {
      events.push('let go');
      return new Promise<void>((resolve) => {
        programsGone = () => {
          events.push('programs gone');
          resolve();
        };
      });
    },
  };
  const exit = (code: number) => {
    exits.push(code);
    events.push(`exit ${code}`);
  };
  stopOnSignal(target, {
    graceMs: 1500,
    leftBehind: leftBehindBy({ durable }),
    write: (line) => lines.push(line),
    exit,
    signals,
  });
  return {
    signals,
    lines,
    exits,
    events,
    programsGone: () => programsGone(),
    finishClose: () => finish(),
    failClose: (error) => fail(error),
  };
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
  expect(scene.lines).toEqual([
    'SIGTERM: stopping. No new steps are taken; running ones have 1.5s to finish (BATON_SHUTDOWN_GRACE_MS).',
  ]);
  await vi.advanceTimersByTimeAsync(1000);
  scene.finishClose();
  await vi.advanceTimersByTimeAsync(5000);
  expect(scene.lines.at(-1)).toBe('Stopped: every running step finished and is recorded.');
  expect(scene.exits).toEqual([0]);
  expect(scene.events).not.toContain('let go');
});

it('when the grace period is over, stops the steps, names them, and exits 1 once their programs are gone', async () => {
  const scene = stoppingWith(['step 1.api (promotion #1)', 'step 2.schema (promotion #2)']);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  await vi.advanceTimersByTimeAsync(1499);
  expect(scene.exits).toEqual([]);
  await vi.advanceTimersByTimeAsync(1);
  expect(scene.lines.at(-1)).toBe(
    "Still running after 1.5s: stopped and handed back step 1.api (promotion #1), step 2.schema (promotion #2). Another worker resumes each with the same step id once this process's claim on it lapses (BATON_REDIS_LOCK_MS); with no worker running, they wait in Redis until one starts.",
  );
  expect(scene.events).toEqual(['let go']);
  scene.programsGone();
  await vi.advanceTimersByTimeAsync(0);
  expect(scene.events).toEqual(['let go', 'programs gone', 'exit 1']);
});

it('on the embedded engine, says the steps cut off will be marked interrupted at the next start', async () => {
  const scene = stoppingWith(['step 1.api (promotion #1)'], false);
  scene.signals.emit('SIGINT', 'SIGINT');
  await vi.advanceTimersByTimeAsync(1500);
  scene.programsGone();
  await vi.advanceTimersByTimeAsync(0);
  expect(scene.lines.at(-1)).toBe(
    'Still running after 1.5s: stopped step 1.api (promotion #1). Each is marked interrupted when Baton starts again with this data folder; check what it changed then, and roll back if needed.',
  );
  expect(scene.exits).toEqual([1]);
});

it('stops at once on a second signal, naming what it hands back, without waiting for the programs to go', () => {
  const scene = stoppingWith(['step 1.api (promotion #1)']);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  scene.signals.emit('SIGINT', 'SIGINT');
  expect(scene.lines.at(-1)).toMatch(
    /^SIGINT again: stopping now: stopped and handed back step 1\.api \(promotion #1\)\. Another worker resumes/,
  );
  expect(scene.events).toEqual(['let go', 'exit 1']);
});

it('exits 1 and says why when closing fails', async () => {
  const scene = stoppingWith([]);
  scene.signals.emit('SIGTERM', 'SIGTERM');
  scene.failClose(new Error('Connection is closed.'));
  await vi.advanceTimersByTimeAsync(0);
  scene.programsGone();
  await vi.advanceTimersByTimeAsync(0);
  expect(scene.lines.at(-1)).toBe('Could not stop cleanly (Connection is closed.); no step was running.');
  expect(scene.exits).toEqual([1]);
});
