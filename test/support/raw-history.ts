/**
 * Loads made-up finished promotions straight into Redis (pipelined commands,
 * the keys RedisStore reads) and into an embedded journal (the lines the
 * embedded store writes), without going through Baton: fast enough for
 * hundreds of thousands.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { promotionStream } from '../../src/core/audit.ts';
import { isTerminal } from '../../src/core/model.ts';
import { finishedPromotion } from './finished-promotions.ts';

async function write(target: Writable, text: string): Promise<void> {
  if (!target.write(text)) await once(target, 'drain');
}

/** The keys RedisStore reads, under its default prefix. */
export async function loadRedis(redis: Redis, total: number, environments: number): Promise<void> {
  const BATCH = 500;
  for (let start = 0; start < total; start += BATCH) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(total, start + BATCH); i += 1) {
      const { promotion, records } = finishedPromotion(i, total, environments);
      const stream = promotionStream(promotion.id);
      const last = records.at(-1);
      pipeline.set(`baton:promotion:${promotion.id}`, JSON.stringify(promotion));
      pipeline.zadd('baton:promotions', promotion.id, promotion.id);
      pipeline.zadd(`baton:promotions:environment:${promotion.environment}`, promotion.id, promotion.id);
      if (!isTerminal(promotion.state)) pipeline.sadd('baton:promotions:active', promotion.id);
      for (const record of records)
        pipeline.xadd(`baton:audit:${stream}`, `${record.seq}-0`, 'record', JSON.stringify(record));
      pipeline.set(`baton:audit-head:${stream}`, `${last?.seq ?? 0} ${last?.hash ?? ''}`);
      pipeline.set(`baton:thread-cursor:${stream}`, String(last?.seq ?? 0));
    }
    await pipeline.exec();
  }
  await redis.set('baton:promotion-counter', String(total));
}

/** Journal lines as the embedded store writes a transition and a posted thread. */
export async function loadEmbedded(journalPath: string, total: number, environments: number): Promise<void> {
  const out = createWriteStream(journalPath);
  await write(out, `${JSON.stringify({ kind: 'counter', value: total })}\n`);
  for (let i = 0; i < total; i += 1) {
    const { promotion, records } = finishedPromotion(i, total, environments);
    const stream = promotionStream(promotion.id);
    await write(
      out,
      `${JSON.stringify({ kind: 'transition', promotion, records })}\n${JSON.stringify({ kind: 'cursor', stream, seq: records.at(-1)?.seq ?? 0 })}\n`,
    );
  }
  out.end();
  await once(out, 'finish');
}
