/** The DORA figures of an environment from a known history: each figure exactly as the README defines it. */
import { describe, expect, it } from 'vitest';
import { doraFigures } from '../../src/core/dora.ts';
import type { Promotion, PromotionState } from '../../src/core/model.ts';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** A promotion of `api` at `version`; `ran` says whether a step started (a rejected one or a failed plan never ran). */
function promotion(
  id: string,
  environment: string,
  version: string,
  state: PromotionState,
  requestedAt: string,
  finishedAt: string | undefined,
  ran = true,
): Promotion {
  return {
    id,
    release: { name: `r${id}`, versions: { api: version } },
    environment,
    requestedBy: 'alice',
    requestedAt,
    channel: '#deploys',
    state,
    steps: [
      {
        id: `${id}.api`,
        component: 'api',
        adapter: 'script',
        version,
        previousVersion: null,
        needs: [],
        wave: 0,
        preview: null,
        status: ran ? (state === 'succeeded' ? 'succeeded' : 'failed') : 'pending',
        attempts: ran ? 1 : 0,
        outputs: {},
        log: [],
        ...(ran ? { startedAt: requestedAt } : {}),
      },
    ],
    waves: [['api']],
    approvals: [],
    updatedAt: finishedAt ?? requestedAt,
    ...(finishedAt ? { finishedAt } : {}),
  };
}

const DEV = [
  promotion('d0', 'dev', '0.9', 'succeeded', '2026-02-01T09:00:00Z', '2026-02-01T09:10:00Z'),
  promotion('d1', 'dev', '1.0', 'succeeded', '2026-03-02T09:00:00Z', '2026-03-02T09:10:00Z'),
  promotion('d2', 'dev', '1.1', 'succeeded', '2026-03-05T09:00:00Z', '2026-03-05T09:10:00Z'),
  // Asked for again later: the first request is the one that counts.
  promotion('d3', 'dev', '1.1', 'succeeded', '2026-03-06T09:00:00Z', '2026-03-06T09:10:00Z'),
  promotion('d4', 'dev', '1.2', 'succeeded', '2026-03-10T09:00:00Z', '2026-03-10T09:10:00Z'),
  promotion('d5', 'dev', '1.3', 'succeeded', '2026-03-20T09:00:00Z', '2026-03-20T09:10:00Z'),
];

const PRODUCTION = [
  // Before the window: counts for nothing.
  promotion('p0', 'production', '0.9', 'succeeded', '2026-02-03T08:00:00Z', '2026-02-03T09:00:00Z'),
  promotion('p1', 'production', '1.0', 'succeeded', '2026-03-03T08:00:00Z', '2026-03-03T09:00:00Z'),
  promotion('p2', 'production', '1.1', 'failed', '2026-03-06T09:30:00Z', '2026-03-06T10:00:00Z'),
  promotion('p3', 'production', '1.1', 'rejected', '2026-03-06T11:00:00Z', '2026-03-06T11:30:00Z', false),
  promotion('p4', 'production', '1.1', 'succeeded', '2026-03-07T09:00:00Z', '2026-03-07T10:00:00Z'),
  // The same version again: a deployment, not a new change.
  promotion('p5', 'production', '1.1', 'succeeded', '2026-03-08T09:00:00Z', '2026-03-08T10:00:00Z'),
  // Succeeded, then rolled back: a failure, whose success does not count.
  promotion('p6', 'production', '1.2', 'rolled_back', '2026-03-11T08:00:00Z', '2026-03-11T12:00:00Z'),
  promotion('p7', 'production', '1.2', 'interrupted', '2026-03-11T12:30:00Z', '2026-03-11T13:00:00Z'),
  promotion('p8', 'production', '1.2', 'succeeded', '2026-03-12T11:00:00Z', '2026-03-12T12:00:00Z'),
  promotion('p9', 'production', '1.3', 'failed', '2026-03-21T08:00:00Z', '2026-03-21T09:00:00Z'),
  // A plan that failed changed nothing.
  promotion('p10', 'production', '1.3', 'failed', '2026-03-22T08:00:00Z', '2026-03-22T08:01:00Z', false),
  // Still running: not finished, not counted.
  promotion('p11', 'production', '1.3', 'running', '2026-03-31T11:00:00Z', undefined),
];

const NOW = new Date('2026-03-31T12:00:00Z');

describe('DORA figures', () => {
  it('computes deployment frequency, lead time, change failure rate and time to restore from a known history', () => {
    const figures = doraFigures({
      environment: 'production',
      firstEnvironment: 'dev',
      promotions: [...PRODUCTION].reverse(),
      firstPromotions: DEV,
      now: NOW,
      days: 30,
    });
    expect(figures).toEqual({
      environment: 'production',
      firstEnvironment: 'dev',
      days: 30,
      from: '2026-03-01T12:00:00.000Z',
      to: '2026-03-31T12:00:00.000Z',
      // p1, p4, p5, p8.
      deployments: 4,
      deploymentsPerDay: 4 / 30,
      // 1.0: 24h; 1.1: 49h (from d2, not d3); 1.2: 51h (its first success is p8: p6 was rolled back).
      leadTimeSeconds: 49 * HOUR,
      changes: 3,
      // p1, p2, p4, p5, p6, p7, p8, p9 ran; p2, p6, p7 and p9 failed.
      finished: 8,
      failures: 4,
      changeFailureRate: 0.5,
      // p2 → p4: 24h; p6 (p7 while it is open) → p8: 24h; p9 is still open.
      timeToRestoreSeconds: DAY,
      restored: 2,
      unrestored: 1,
    });
  });

  it('narrows to the days asked for', () => {
    const figures = doraFigures({
      environment: 'production',
      firstEnvironment: 'dev',
      promotions: PRODUCTION,
      firstPromotions: DEV,
      now: NOW,
      days: 20,
    });
    // From 03-11T12:00: p6 finished exactly then, which is outside; p7, p8, p9 inside.
    expect(figures).toMatchObject({
      deployments: 1,
      leadTimeSeconds: 51 * HOUR,
      changes: 1,
      finished: 3,
      failures: 2,
      timeToRestoreSeconds: 23 * HOUR,
      restored: 1,
      unrestored: 1,
    });
  });

  it('measures the first environment from request to success', () => {
    const figures = doraFigures({
      environment: 'dev',
      firstEnvironment: 'dev',
      promotions: DEV,
      firstPromotions: DEV,
      now: NOW,
      days: 30,
    });
    expect(figures).toMatchObject({
      deployments: 5,
      deploymentsPerDay: 5 / 30,
      leadTimeSeconds: 10 * 60,
      changes: 4,
      finished: 5,
      failures: 0,
      changeFailureRate: 0,
      timeToRestoreSeconds: null,
      restored: 0,
      unrestored: 0,
    });
  });

  it('says nothing where nothing ran', () => {
    const figures = doraFigures({
      environment: 'production',
      firstEnvironment: 'dev',
      promotions: [],
      firstPromotions: DEV,
      now: NOW,
      days: 7,
    });
    expect(figures).toMatchObject({
      deployments: 0,
      deploymentsPerDay: 0,
      leadTimeSeconds: null,
      changes: 0,
      finished: 0,
      failures: 0,
      changeFailureRate: null,
      timeToRestoreSeconds: null,
      restored: 0,
      unrestored: 0,
    });
  });
});
