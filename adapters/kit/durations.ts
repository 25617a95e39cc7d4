/**
 * Durations as adapters take them. They live in src/durations.ts because the
 * config loader, the core and chat read them too; an adapter imports the kit.
 */
export {
  checkedDurationMs,
  describeWait,
  DURATION_FORM,
  durationMs,
  formatDuration,
  formatElapsed,
  isPositiveDuration,
  parseDuration,
  WAIT_FORM,
} from '../../src/durations.ts';
