/** A Slack client logger that says nothing: tests and benchmarks read results, not Bolt's chatter. */
import { LogLevel, type Logger } from '@slack/logger';

export const silentSlackLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};
