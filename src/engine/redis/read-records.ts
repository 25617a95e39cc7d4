/**
 * Reads every record the Redis store keeps (see redis-store.ts for the keys),
 * for `baton migrate-store`: scanned, never with KEYS, so a busy Redis is not
 * stopped while it runs.
 */
import type { Redis } from 'ioredis';
import type { AuditRecord } from '../../core/audit-record.ts';
import type { ArchivedPromotion, Freeze, LedgerEntry, Promotion, Release, MessageRef } from '../../core/model.ts';

import type { RecordsSnapshot } from '../records-snapshot.ts';

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of redis.scanStream({ match: pattern, count: 1000 })) keys.push(...(page as string[]));
  return keys;
}

/** Values of many keys, read in pages so that no reply is huge. */
async function readEach<T>(keys: string[], read: (page: string[]) => Promise<T[]>): Promise<T[]> {
  const values: T[] = [];
  for (let start = 0; start < keys.length; start += 500) values.push(...(await read(keys.slice(start, start + 500))));
  return values;
}

export async function readRedisRecords(redis: Redis, prefix = 'baton:'): Promise<RecordsSnapshot> {
  const after = (key: string, kind: string) => key.slice(`${prefix}${kind}:`.length);
  const promotionKeys = await scanKeys(redis, `${prefix}promotion:*`);
  const threads = new Map<string, MessageRef>();
  const threadKeys = await scanKeys(redis, `${prefix}thread:*`);
  const threadValues = await readEach(threadKeys, (page) => redis.mget(page));
  threadKeys.forEach((key, i) => {
    const json = threadValues[i];
    if (json) threads.set(after(key, 'thread'), JSON.parse(json) as MessageRef);
  });
  // A promotion written before threads had keys of their own keeps its thread in its JSON: it moves into the threads.
  const promotions = (await readEach(promotionKeys, (page) => redis.mget(page)))
    .flatMap((text) => {
      if (text === null) return [];
      const { thread, ...promotion } = JSON.parse(text) as Promotion & { thread?: MessageRef };
      if (thread && !threads.has(promotion.id)) threads.set(promotion.id, thread);
      return [promotion];
    })
    .sort((a, b) => Number(a.id) - Number(b.id));
  const streams = new Map<string, AuditRecord[]>();
  const streamKeys = await scanKeys(redis, `${prefix}audit:*`);
  const entries = await readEach(streamKeys, async (page) => {
    const pipeline = redis.pipeline();
    for (const key of page) pipeline.xrange(key, '-', '+');
    return ((await pipeline.exec()) ?? []).map(([error, reply]) => {
      if (error) throw error;
      return reply as [string, string[]][];
    });
  });
  streamKeys.forEach((key, i) =>
    streams.set(
      after(key, 'audit'),
      (entries[i] ?? []).map(([, fields]) => JSON.parse(fields[1] ?? 'null') as AuditRecord),
    ),
  );
  const cursors = new Map<string, number>();
  const cursorKeys = await scanKeys(redis, `${prefix}thread-cursor:*`);
  const cursorValues = await readEach(cursorKeys, (page) => redis.mget(page));
  cursorKeys.forEach((key, i) => cursors.set(after(key, 'thread-cursor'), Number(cursorValues[i] ?? 0)));
  const ledger: RecordsSnapshot['ledger'] = [];
  for (const key of await scanKeys(redis, `${prefix}ledger:*`)) {
    for (const [component, text] of Object.entries(await redis.hgetall(key)))
      ledger.push({ environment: after(key, 'ledger'), component, entry: JSON.parse(text) as LedgerEntry });
  }
  const verified = Object.entries(await redis.hgetall(`${prefix}verified`)).map(([field, at]) => {
    const [environment = '', component = '', version = ''] = field.split('\u0000');
    return { environment, component, version, at };
  });
  const lockKeys = await scanKeys(redis, `${prefix}lock:*`);
  const holders = await readEach(lockKeys, (page) => redis.mget(page));
  const locks = lockKeys.flatMap((key, i) =>
    holders[i] ? [{ environment: after(key, 'lock'), holder: holders[i] }] : [],
  );
  return {
    counter: Number((await redis.get(`${prefix}promotion-counter`)) ?? 0),
    promotions,
    streams,
    cursors,
    threads,
    ledger,
    verified,
    locks,
    freezes: Object.values(await redis.hgetall(`${prefix}freezes`)).map((text) => JSON.parse(text) as Freeze),
    releases: Object.values(await redis.hgetall(`${prefix}releases`)).map((text) => JSON.parse(text) as Release),
    archived: Object.values(await redis.hgetall(`${prefix}archived`)).map(
      (text) => JSON.parse(text) as ArchivedPromotion,
    ),
  };
}
