/**
 * The setting of a multi-process test: a temp folder, optionally a throwaway
 * Redis, and the Baton processes started in it — all torn down after each test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startBatonProcess, type BatonProcess } from './baton-process.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

export interface ProcessScene {
  /** A fresh folder, and a Redis when asked for one. */
  setUp(options?: { redis?: { appendOnly?: boolean } }): Promise<{ dir: string; redis: RedisServer | undefined }>;
  start(args: string[], env: Record<string, string>, readyPattern: RegExp): ReturnType<typeof startBatonProcess>;
}

export function useProcessScene(): ProcessScene {
  const processes: BatonProcess[] = [];
  let redis: RedisServer | undefined;
  let dir = '';
  afterEach(async () => {
    for (const child of processes.splice(0)) await child.kill();
    await redis?.stop();
    redis = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = '';
  });
  return {
    async setUp(options = {}) {
      redis = options.redis ? await startRedisServer(options.redis) : undefined;
      dir = await mkdtemp(join(tmpdir(), 'baton-scene-'));
      return { dir, redis };
    },
    async start(args, env, readyPattern) {
      const started = await startBatonProcess(args, env, readyPattern);
      processes.push(started);
      return started;
    },
  };
}
