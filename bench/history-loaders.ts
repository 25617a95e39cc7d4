/**
 * Loads made-up finished promotions straight into each engine's storage, as
 * each engine lays its records out, without going through Baton: PostgreSQL
 * through COPY (psql), Redis through pipelined commands, the embedded engine
 * as journal lines.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { promotionStream } from '../src/core/audit.ts';
import { isTerminal } from '../src/core/model.ts';
import { PROMOTION_COLUMNS, promotionRow } from '../src/engine/postgres/promotion-rows.ts';
import { finishedPromotion } from './history-data.ts';

/** A field in COPY's text format. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value).replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
}

interface CopyTarget {
  input: Writable;
  done: Promise<void>;
}

function copyInto(url: string, table: string, columns: string): CopyTarget {
  const child = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `COPY baton.${table} (${columns}) FROM STDIN`], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`COPY into ${table} failed: ${stderr}`))));
  });
  return { input: child.stdin, done };
}

async function write(target: Writable, text: string): Promise<void> {
  if (!target.write(text)) await once(target, 'drain');
}

export async function loadPostgres(url: string, total: number, environments: number, progress: (done: number) => void): Promise<void> {
  const promotions = copyInto(url, 'promotions', PROMOTION_COLUMNS);
  const records = copyInto(url, 'audit_records', 'stream, seq, record');
  const heads = copyInto(url, 'audit_heads', 'stream, seq, hash');
  const cursors = copyInto(url, 'thread_cursors', 'stream, seq');
  const row = (fields: unknown[]) => `${fields.map(copyField).join('\t')}\n`;
  const BATCH = 1000;
  for (let start = 0; start < total; start += BATCH) {
    let promotionRows = '';
    let recordRows = '';
    let headRows = '';
    let cursorRows = '';
    for (let i = start; i < Math.min(total, start + BATCH); i += 1) {
      const made = finishedPromotion(i, total, environments);
      const stream = promotionStream(made.promotion.id);
      const last = made.records.at(-1);
      promotionRows += row(promotionRow(made.promotion));
      for (const record of made.records) recordRows += row([stream, record.seq, JSON.stringify(record)]);
      headRows += row([stream, last?.seq, last?.hash]);
      cursorRows += row([stream, last?.seq]);
    }
    await Promise.all([write(promotions.input, promotionRows), write(records.input, recordRows), write(heads.input, headRows), write(cursors.input, cursorRows)]);
    progress(Math.min(total, start + BATCH));
  }
  for (const target of [promotions, records, heads, cursors]) target.input.end();
  await Promise.all([promotions.done, records.done, heads.done, cursors.done]);
  const sequence = spawn('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT setval('baton.promotion_ids', ${total}); ANALYZE;`], { stdio: 'ignore' });
  await once(sequence, 'exit');
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
      for (const record of records) pipeline.xadd(`baton:audit:${stream}`, `${record.seq}-0`, 'record', JSON.stringify(record));
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
    await write(out, `${JSON.stringify({ kind: 'transition', promotion, records })}\n${JSON.stringify({ kind: 'cursor', stream, seq: records.at(-1)?.seq ?? 0 })}\n`);
  }
  out.end();
  await once(out, 'finish');
}
