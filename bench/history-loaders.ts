/** Loads made-up finished promotions straight into PostgreSQL through COPY (psql), without going through Baton. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { promotionStream } from '../src/core/audit.ts';
import { PROMOTION_COLUMNS, promotionRow } from '../src/engine/postgres/promotion-rows.ts';
import { finishedPromotion } from '../test/support/finished-promotions.ts';

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
  const child = spawn(
    'psql',
    [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `COPY baton.${table} (${columns}) FROM STDIN`],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
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

export async function loadPostgres(
  url: string,
  total: number,
  environments: number,
  progress: (done: number) => void,
): Promise<void> {
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
    await Promise.all([
      write(promotions.input, promotionRows),
      write(records.input, recordRows),
      write(heads.input, headRows),
      write(cursors.input, cursorRows),
    ]);
    progress(Math.min(total, start + BATCH));
  }
  for (const target of [promotions, records, heads, cursors]) target.input.end();
  await Promise.all([promotions.done, records.done, heads.done, cursors.done]);
  const sequence = spawn(
    'psql',
    [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT setval('baton.promotion_ids', ${total}); ANALYZE;`],
    { stdio: 'ignore' },
  );
  await once(sequence, 'exit');
}
