/**
 * Slack's requests carry the time they were signed (X-Slack-Request-Timestamp).
 * Bolt refuses one older than five minutes but takes one from any time ahead,
 * so a signed request captured with a clock set forward could be replayed
 * for as long as that clock was ahead. Baton takes only five minutes either way.
 */
export const SLACK_REQUEST_WINDOW_SECONDS = 5 * 60;

/** Why a request's timestamp is refused; undefined when it is within the window around `nowMs`. */
export function slackTimestampProblem(header: string | string[] | undefined, nowMs: number): string | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,12}$/.test(text)) return 'it has no X-Slack-Request-Timestamp of Unix seconds';
  const skewSeconds = Number(text) - Math.floor(nowMs / 1000);
  if (Math.abs(skewSeconds) <= SLACK_REQUEST_WINDOW_SECONDS) return undefined;
  const allowed = `at most ${SLACK_REQUEST_WINDOW_SECONDS} are allowed either way`;
  return skewSeconds > 0
    ? `its timestamp is ${skewSeconds} seconds ahead of this machine's clock (${allowed})`
    : `its timestamp is ${-skewSeconds} seconds old (${allowed}): a replay, or a clock that is off`;
}
