/**
 * Bolt and the Web API client log through Baton's logger, so their warnings
 * (a failed signature check, a retried call) land in the same log as ours.
 * Their debug chatter is dropped: it includes request bodies.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../../core/capabilities.ts';

function text(parts: unknown[]): string {
  return parts
    .map((part) => (typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part)))
    .join(' ');
}

export function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  let name = 'slack';
  return {
    debug: () => undefined,
    info: (...parts: unknown[]) => {
      if (level !== LogLevel.WARN && level !== LogLevel.ERROR) logger.info({ source: name }, text(parts));
    },
    warn: (...parts: unknown[]) => {
      if (level !== LogLevel.ERROR) logger.warn({ source: name }, text(parts));
    },
    error: (...parts: unknown[]) => logger.error({ source: name }, text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: (next: string) => {
      name = next;
    },
  };
}
