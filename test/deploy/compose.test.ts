/**
 * deploy/docker-compose.yml as `docker-compose config` reads it (Debian's
 * docker-compose: no engine runs here, and `config` needs none): a bot, workers
 * and Redis, wired to each other, locked down, refusing to start without the key.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_FILE = `${REPO}deploy/docker-compose.yml`;

const COMPOSE_MISSING =
  'docker-compose is not installed, and this test checks deploy/docker-compose.yml with `docker-compose config`. Install the Debian package (apt-get install docker-compose) and run the tests again.';

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  environment?: Record<string, string | null>;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

function composeConfig(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { BATON_ENCRYPTION_KEY: _ignored, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile(
      'docker-compose',
      ['--file', COMPOSE_FILE, 'config'],
      { encoding: 'utf8', env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error(COMPOSE_MISSING));
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

describe('deploy/docker-compose.yml', () => {
  it('runs one bot and two workers on one Redis, sharing the encryption key, from the repository Dockerfile', async () => {
    const { code, stdout, stderr } = await composeConfig({
      BATON_ENCRYPTION_KEY: 'u0ZyqvW8YHdTSKsvOj0j0Yl4e3ZyWl2kNrGgFZB6C5U=',
    });
    expect(code, stderr).toBe(0);
    const services = (parse(stdout) as { services: Record<string, Service> }).services;
    expect(Object.keys(services).sort()).toEqual(['bot', 'redis', 'worker']);
    const { bot, worker, redis } = services as Record<'bot' | 'worker' | 'redis', Service>;
    expect(bot.command).toEqual(['start', '--workers', '0']);
    expect(worker.command?.[0]).toBe('worker');
    expect(worker.deploy?.replicas).toBe(2);
    for (const baton of [bot, worker]) {
      expect(baton.build?.context).toBe(REPO.replace(/\/$/, ''));
      expect(baton.environment).toMatchObject({
        REDIS_URL: 'redis://redis:6379',
        BATON_ENCRYPTION_KEY: 'u0ZyqvW8YHdTSKsvOj0j0Yl4e3ZyWl2kNrGgFZB6C5U=',
      });
      expect(baton).toMatchObject({ read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] });
      expect(baton.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    }
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('refuses to start without BATON_ENCRYPTION_KEY, saying how to make one', async () => {
    const { code, stderr } = await composeConfig({});
    expect(code).not.toBe(0);
    expect(stderr).toMatch(
      /set BATON_ENCRYPTION_KEY, the same for the bot and every worker \(openssl rand -base64 32\)/,
    );
  });
});
