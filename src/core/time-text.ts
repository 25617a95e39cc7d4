/**
 * The one way messages show a moment: "2026-11-03 14:05 UTC". People in many
 * time zones share a channel, so it is always UTC, and said so.
 */
const MINUTE_MS = 60_000;

/** `round: 'up'` for a moment to wait for ("try again after …"): shown any earlier, it would still be too early. */
export function formatTime(at: string | number | Date, round: 'down' | 'up' = 'down'): string {
  const ms = new Date(at).getTime();
  if (!Number.isFinite(ms)) return String(at);
  const minute = round === 'up' ? Math.ceil(ms / MINUTE_MS) * MINUTE_MS : Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  return `${new Date(minute).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
