import { Redis } from 'ioredis';
import type { Logger } from '../../core/capabilities.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';
import { DEFAULT_NUDGE_DELAY_MS, type Engine, type EngineHealth } from '../contract.ts';
import { BullQueue } from './bullmq-queue.ts';
import { RedisStore } from './redis-store.ts';
import { guardAgainstOutage } from './outage.ts';
import { persistenceWarning } from './persistence.ts';

export interface RedisEngineOptions {
  url: string;
  logger: Logger;
  /** Key prefix, so that several Baton installations can share one Redis. */
  prefix?: string;
  lockDurationMs?: number;
  stalledCheckMs?: number;
  /** How long a nudge made while its job runs waits (see DEFAULT_NUDGE_DELAY_MS). */
  nudgeDelayMs?: number;
}

function hideCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** A connection to Redis and the BullMQ queues on it, for the Redis engine or beside records in PostgreSQL. */
export interface RedisConnection {
  redis: Redis;
  health(): Promise<EngineHealth>;
  queue(name: string): BullQueue;
  /** The key prefix of Baton's keys, `<prefix>:` before each. */
  prefix: string;
}

/** Connects to Redis and fails fast, with a clear message, when it can't. */
export async function connectRedis(options: RedisEngineOptions): Promise<RedisConnection> {
  // Fail a command after a few seconds of outage instead of queueing it forever: the person waiting gets an answer.
  // Auto-pipelining sends the commands of concurrent steps in one write.
  const redis = new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    connectTimeout: 5000,
    enableAutoPipelining: true,
  });
  // Until the first connection, the error that stopped it goes into the one message below, not a log line of its own.
  let connected = false;
  let refusal: unknown;
  redis.on('error', (error) => {
    if (connected) options.logger.warn({ err: error }, 'redis connection problem');
    else refusal ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    connected = true;
  } catch (error) {
    redis.disconnect();
    // ioredis reports "Connection is closed." once it gives up; the socket's own error says why.
    const reason = refusal ?? error;
    throw new BatonError(
      ErrorCode.EngineUnavailable,
      `Cannot reach Redis at ${hideCredentials(options.url)}: ${errorMessage(reason).replace(/\.$/, '')}. Start Redis or fix REDIS_URL; unset REDIS_URL to run on the embedded engine.`,
      { cause: reason },
    );
  }
  const persistence = await persistenceWarning(redis);
  if (persistence) options.logger.warn({ url: hideCredentials(options.url) }, persistence);
  const prefix = options.prefix ?? 'baton';
  const queue = (name: string) =>
    new BullQueue({
      name,
      // BullMQ opens (and closes) its own connections, blocking ones included.
      connection: { url: options.url },
      redis,
      prefix,
      lockDurationMs: options.lockDurationMs ?? 4000,
      stalledCheckMs: options.stalledCheckMs ?? 1000,
      nudgeDelayMs: options.nudgeDelayMs ?? DEFAULT_NUDGE_DELAY_MS,
      logger: options.logger,
    });
  return {
    redis,
    prefix,
    queue,
    health: async () =>
      redis.status === 'ready'
        ? {
            ready: true,
            detail: `connected to ${hideCredentials(options.url)}${persistence ? `; warning: ${persistence}` : ''}`,
          }
        : {
            ready: false,
            detail: `Redis at ${hideCredentials(options.url)} is unreachable (connection ${redis.status}); reconnecting`,
          },
  };
}

export async function createRedisEngine(options: RedisEngineOptions): Promise<Engine> {
  const connection = await connectRedis(options);
  return {
    name: 'redis',
    health: connection.health,
    store: guardAgainstOutage(new RedisStore(connection.redis, `${connection.prefix}:`)),
    queue: connection.queue('jobs'),
    outbox: connection.queue('outbox'),
  };
}
