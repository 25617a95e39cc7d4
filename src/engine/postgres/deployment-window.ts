/**
 * Deployment figures of one environment over a window, computed in one SQL
 * query on the indexes history uses, so a year of records is never read into
 * the bot: how many promotions finished, succeeded and failed, how long a
 * successful one took from request to finish, and how long after a failure
 * the next success came (time to restore).
 */
import type pg from 'pg';

export interface DeploymentWindow {
  environment: string;
  from: string;
  to: string;
  finished: number;
  deployments: number;
  failures: number;
  /** Median seconds from request to finish of the successful promotions; null without any. */
  medianDurationSeconds: number | null;
  /** Median seconds from a failure to the next success in the environment; null without a restored failure. */
  medianRestoreSeconds: number | null;
}

const FAILED_STATES = ['failed', 'interrupted', 'rolled_back'];

const QUERY = `
WITH window_promotions AS (
  SELECT state, requested_at, finished_at FROM baton.promotions
  WHERE environment = $1 AND finished AND finished_at > $2 AND finished_at <= $3
),
restores AS (
  SELECT next_success.finished_at - failure.finished_at AS took
  FROM window_promotions failure
  CROSS JOIN LATERAL (
    SELECT finished_at FROM baton.promotions
    WHERE environment = $1 AND finished AND state = 'succeeded' AND finished_at > failure.finished_at
    ORDER BY finished_at LIMIT 1
  ) next_success
  WHERE failure.state = ANY($4::text[])
)
SELECT
  (SELECT count(*) FROM window_promotions)::int AS finished,
  (SELECT count(*) FROM window_promotions WHERE state = 'succeeded')::int AS deployments,
  (SELECT count(*) FROM window_promotions WHERE state = ANY($4::text[]))::int AS failures,
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - requested_at)) FROM window_promotions WHERE state = 'succeeded') AS duration,
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM took)) FROM restores) AS restore
`;

export async function deploymentWindow(
  pool: pg.Pool,
  environment: string,
  from: Date,
  to: Date,
): Promise<DeploymentWindow> {
  const { rows } = await pool.query<{
    finished: number;
    deployments: number;
    failures: number;
    duration: number | null;
    restore: number | null;
  }>(QUERY, [environment, from.toISOString(), to.toISOString(), FAILED_STATES]);
  const row = rows[0];
  return {
    environment,
    from: from.toISOString(),
    to: to.toISOString(),
    finished: row?.finished ?? 0,
    deployments: row?.deployments ?? 0,
    failures: row?.failures ?? 0,
    medianDurationSeconds: row?.duration ?? null,
    medianRestoreSeconds: row?.restore ?? null,
  };
}
