/**
 * Chat platforms sign their requests with the time they were sent (Slack's
 * X-Slack-Request-Timestamp, Discord's X-Signature-Timestamp). Bolt refuses a
 * Slack request older than five minutes but takes one from any time ahead, so
 * a signed request captured with a clock set forward could be replayed for as
 * long as that clock was ahead. Baton takes only five minutes either way.
 */
export const REQUEST_WINDOW_SECONDS = 5 * 60;

/** Why a request's timestamp (in `headerName`) is refused; undefined when it is within the window around `nowMs`. */
export function requestTimestampProblem(
  header: string | string[] | undefined,
  nowMs: number,
  headerName: string,
): string | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d{1,12}$/.test(text)) return `it has no ${headerName} of Unix seconds`;
  const skewSeconds = Number(text) - Math.floor(nowMs / 1000);
  if (Math.abs(skewSeconds) <= REQUEST_WINDOW_SECONDS) return undefined;
  const allowed = `at most ${REQUEST_WINDOW_SECONDS} are allowed either way`;
  return skewSeconds > 0
    ? `its timestamp is ${skewSeconds} seconds ahead of this machine's clock (${allowed})`
    : `its timestamp is ${-skewSeconds} seconds old (${allowed}): a replay, or a clock that is off`;
}
