import { pino } from 'pino';
import type { Logger } from './core/capabilities.ts';

/** JSON logs on stderr, so stdout stays for what people and scripts read. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: undefined }, pino.destination(2));
}
