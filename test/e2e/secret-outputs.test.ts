/**
 * A `${secret:…}` value that a script step publishes as an output: the step
 * that needs it receives the real value, and nothing Baton keeps or shows —
 * no file in its data folder, no Redis key, no HTTP answer, no chat reply, no
 * log line — holds it in clear. A restart with another key says which output
 * it cannot decrypt and why; Redis without a key refuses to start.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../src/app.ts';
import type { Logger } from '../../src/core/capabilities.ts';
import { EVIDENCE_HEADERS, TEST_API_TOKENS } from '../support/api-tokens.ts';
import { consoleClient, messageText, replyText, type ConsoleClient } from '../support/console-client.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

const SECRET = `s3cr3t-${randomBytes(8).toString('hex')}`;

const IAM = `import { appendFileSync } from 'node:fs';
console.log('created the database user with password ' + process.env.DB_PASSWORD);
appendFileSync(process.env.BATON_OUTPUT, 'queue_url=https://queue/' + process.env.BATON_ENVIRONMENT + '\\ndb_password=' + process.env.DB_PASSWORD + '\\n');
`;

// Writes what it received outside Baton's data folder, so the test can check it got the real value.
const API = `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.RECEIVED + '-' + process.argv[2], process.env.DB_PASSWORD);
console.log('connected to ' + process.env.QUEUE_URL + ' with password ' + process.env.DB_PASSWORD);
`;

function pipeline(dir: string): string {
  return `version: 1
environments:
  - name: dev
    channel: "#deploys"
components:
  iam:
    adapter: script
    with:
      apply: [node, iam.mjs]
      env: { DB_PASSWORD: "\${secret:DB_PASSWORD}" }
    outputs: [queue_url, db_password]
  api:
    adapter: script
    needs: [iam]
    with:
      apply: [node, api.mjs, "\${version}"]
      env:
        DB_PASSWORD: "\${iam.outputs.db_password}"
        QUEUE_URL: "\${iam.outputs.queue_url}"
        RECEIVED: "${join(dir, 'received')}"
`;
}

/** A logger that keeps every line, as pino would write it. */
function capturingLogger(lines: string[]): Logger {
  const keep = (level: string) => (details: object, message: string) =>
    lines.push(`${level} ${message} ${inspect(details, { depth: 10 })}`);
  return { info: keep('info'), warn: keep('warn'), error: keep('error') };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every file under `dir` that holds `text`. */
async function filesHolding(dir: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(dir)) if ((await readFile(file)).includes(text)) found.push(file);
  return found;
}

/** Every key and value in Redis, each read the way its type is read. */
async function redisDump(url: string): Promise<string> {
  const redis = new Redis(url);
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, '0', '-1', 'WITHSCORES')
                    : type === 'stream'
                      ? await redis.xrange(key, '-', '+')
                      : `<${type}>`;
        parts.push(`${key} (${type}) ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

interface Scene {
  dir: string;
  dataDir: string;
  logs: string[];
  baton: RunningBaton;
  chat: ConsoleClient;
}

describe('a secret published as a step output', () => {
  let dir: string;
  let redis: RedisServer | undefined;
  let running: RunningBaton | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-secret-outputs-'));
    await writeFile(join(dir, 'iam.mjs'), IAM);
    await writeFile(join(dir, 'api.mjs'), API);
    await writeFile(join(dir, 'baton.yaml'), pipeline(dir));
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await redis?.stop();
    redis = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** Baton on this folder's pipeline; `encryptionKey: ''` stands for BATON_ENCRYPTION_KEY unset. */
  async function start(options: { encryptionKey: string; redisUrl?: string }): Promise<Scene> {
    const logs: string[] = [];
    const dataDir = join(dir, 'data');
    const baton = await startBaton({
      configPath: join(dir, 'baton.yaml'),
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: capturingLogger(logs),
      retryDelayMs: 10,
      secrets: { get: (name) => (name === 'DB_PASSWORD' ? SECRET : undefined) },
      apiTokens: TEST_API_TOKENS,
      ...options,
    });
    running = baton;
    return { dir, dataDir, logs, baton, chat: consoleClient(baton.url) };
  }

  async function stop(): Promise<void> {
    await running?.close();
    running = undefined;
  }

  async function promote(scene: Scene, release: string): Promise<string> {
    const reply = await scene.chat.command('alice', `/promote ${release} to dev`);
    const id = /promotion #(\d+)/.exec(replyText(reply))?.[1];
    if (!id) throw new Error(`no promotion was created: ${replyText(reply)}`);
    await scene.baton.idle();
    return id;
  }

  /** Everything a person or a script can read from Baton about promotion `id`. */
  async function everythingShown(scene: Scene, id: string): Promise<Record<string, string>> {
    const evidence = `${scene.baton.url}/api/promotions/evidence?id=${id}`;
    const answer = async (text: string) => {
      const reply = await scene.chat.command('alice', text);
      return `${reply.message.text}\n${replyText(reply)}`;
    };
    return {
      evidenceJson: await (await fetch(evidence, { headers: EVIDENCE_HEADERS })).text(),
      evidenceMarkdown: await (await fetch(`${evidence}&format=md`, { headers: EVIDENCE_HEADERS })).text(),
      audit: await answer(`/promote audit ${id}`),
      status: await answer(`/promote status ${id}`),
      history: await answer('/promote history'),
      messages: JSON.stringify(await scene.chat.messages()),
      thread: (await scene.chat.promotionMessage(id)).thread.map((reply) => messageText(reply.message)).join('\n'),
      logs: scene.logs.join('\n'),
    };
  }

  async function received(version: string): Promise<string> {
    return readFile(join(dir, `received-${version}`), 'utf8');
  }

  async function expectNothingShowsTheSecret(scene: Scene, id: string): Promise<Record<string, string>> {
    const shown = await everythingShown(scene, id);
    for (const [where, text] of Object.entries(shown)) {
      expect(text.includes(SECRET), `${where} shows the secret`).toBe(false);
      expect(text.includes('enc:v1:'), `${where} shows an encrypted value`).toBe(false);
    }
    expect(shown.evidenceMarkdown).toContain('db_password = ***');
    expect(shown.evidenceMarkdown).toContain('queue_url = https://queue/dev');
    expect(shown.thread).toContain('db_password: ***');
    return shown;
  }

  it('on the embedded engine: the dependent gets the real value; the data folder, HTTP answers, replies and logs never hold it in clear', async () => {
    const scene = await start({ encryptionKey: '' });
    const id = await promote(scene, 'iam=1 api=1');
    expect((await scene.chat.promotionMessage(id)).message.text).toContain('succeeded');
    expect(await received('1')).toBe(SECRET);

    const shown = await expectNothingShowsTheSecret(scene, id);
    const steps = (
      JSON.parse(shown.evidenceJson ?? '{}') as { promotion: { steps: { component: string; log: string[] }[] } }
    ).promotion.steps;
    expect(steps.find((s) => s.component === 'iam')?.log).toContain('created the database user with password ***');
    expect(steps.find((s) => s.component === 'api')?.log).toContain('connected to https://queue/dev with password ***');
    await stop();

    expect(await filesHolding(scene.dataDir, SECRET)).toEqual([]);
    // The value is there, encrypted: the scan looked where the records are.
    expect((await filesHolding(scene.dataDir, 'enc:v1:')).length).toBeGreaterThan(0);
    const key = join(scene.dataDir, 'encryption.key');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
  });

  it('on Redis: no key or value in Redis, nor in its append-only file, holds it in clear', async () => {
    redis = await startRedisServer();
    const scene = await start({ encryptionKey: randomBytes(32).toString('base64'), redisUrl: redis.url });
    const id = await promote(scene, 'iam=1 api=1');
    expect((await scene.chat.promotionMessage(id)).message.text).toContain('succeeded');
    expect(await received('1')).toBe(SECRET);
    await expectNothingShowsTheSecret(scene, id);
    await stop();

    const dump = await redisDump(redis.url);
    expect(dump).toContain('enc:v1:');
    expect(dump.includes(SECRET)).toBe(false);
    expect(await filesHolding(redis.dataDir, SECRET)).toEqual([]);
    expect(await filesHolding(scene.dataDir, SECRET)).toEqual([]);
  });

  it('after a restart with another BATON_ENCRYPTION_KEY, says which output it cannot decrypt and why; with the key file again, it can', async () => {
    const first = await start({ encryptionKey: '' });
    await promote(first, 'iam=1 api=1');
    await stop();

    const wrongKey = await start({ encryptionKey: randomBytes(32).toString('base64') });
    const id = await promote(wrongKey, 'api=2');
    const root = await wrongKey.chat.promotionMessage(id);
    const said = `${root.message.text}\n${messageText(root.message)}\n${root.thread.map((reply) => messageText(reply.message)).join('\n')}`;
    expect(said).toContain(
      'cannot decrypt output db_password of iam: BATON_ENCRYPTION_KEY is not the key it was written with',
    );
    await expect(received('2')).rejects.toThrow(/ENOENT/);
    await stop();

    const again = await start({ encryptionKey: '' });
    const next = await promote(again, 'api=3');
    expect((await again.chat.promotionMessage(next)).message.text).toContain('succeeded');
    expect(await received('3')).toBe(SECRET);
  });

  it('on Redis without BATON_ENCRYPTION_KEY, refuses to start and says how to set it', async () => {
    redis = await startRedisServer();
    await expect(start({ encryptionKey: '', redisUrl: redis.url })).rejects.toThrow(
      /^BATON_ENCRYPTION_KEY is not set\. .*`openssl rand -base64 32`.*set BATON_ENCRYPTION_KEY for every bot and worker\.$/,
    );
    const cli = spawnSync(
      process.execPath,
      ['bin/baton.js', 'start', '-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data'), '--port', '0'],
      {
        encoding: 'utf8',
        env: { ...process.env, REDIS_URL: redis.url, BATON_ENCRYPTION_KEY: '' },
        timeout: 30_000,
      },
    );
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(
      'BATON_ENCRYPTION_KEY is not set. On Redis, Baton encrypts sensitive step outputs with it',
    );
  });
});
