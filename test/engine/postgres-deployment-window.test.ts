import { expect, it } from 'vitest';
import type { PromotionState } from '../../src/core/model.ts';
import { openPostgresRecords } from '../../src/engine/postgres/index.ts';
import { createThrowawayDatabase } from '../support/postgres-database.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { samplePromotion } from './contract-suite.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-01T00:00:00.000Z');

it("counts one environment's deployments, failures and restore time over a window, in SQL", async () => {
  const database = await createThrowawayDatabase();
  const records = await openPostgresRecords({ url: database.url, logger: silentLogger, use: 'shared' });
  try {
    // hours before NOW it was requested, its state, the environment; each finished an hour after its request
    const history: [number, PromotionState, string][] = [
      [2000, 'succeeded', 'prod'], // before the window
      [100, 'succeeded', 'prod'],
      [80, 'failed', 'prod'],
      [75, 'succeeded', 'prod'], // restores the failure 5 hours later
      [50, 'rolled_back', 'prod'],
      [40, 'succeeded', 'prod'], // restores the rollback 10 hours later
      [30, 'failed', 'prod'], // not restored yet
      [20, 'succeeded', 'staging'],
      [10, 'running', 'prod'], // not finished
    ];
    for (const [i, [hoursAgo, state, environment]] of history.entries()) {
      const requestedAt = new Date(NOW - hoursAgo * HOUR).toISOString();
      const finishedAt = new Date(NOW - hoursAgo * HOUR + HOUR).toISOString();
      await records.store.createPromotion(
        samplePromotion(String(i + 1), {
          environment,
          state,
          requestedAt,
          ...(state === 'running' ? {} : { finishedAt }),
        }),
      );
    }
    expect(await records.deploymentWindow('prod', 30, new Date(NOW))).toEqual({
      environment: 'prod',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      finished: 6,
      deployments: 3,
      failures: 3,
      medianDurationSeconds: 3600,
      medianRestoreSeconds: 7.5 * 3600,
    });
    expect(await records.deploymentWindow('dev', 30, new Date(NOW))).toMatchObject({
      finished: 0,
      medianDurationSeconds: null,
      medianRestoreSeconds: null,
    });
  } finally {
    await records.store.close();
    await database.drop();
  }
});
