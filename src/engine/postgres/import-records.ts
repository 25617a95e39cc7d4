/**
 * Copies another engine's records into PostgreSQL (`baton migrate-store`).
 * Every chain is verified before anything is written, and again as read back
 * from PostgreSQL. Safe to run again: a stream already copied is checked and
 * kept, one that grew in the source since gets the records it lacks, and a
 * promotion is replaced only by a version whose audit stream is at least as
 * long, so records PostgreSQL got later are never rolled back.
 */
import type pg from 'pg';
import { promotionStream } from '../../core/audit.ts';
import { verifyAuditChain, type AuditRecord, type ChainCheck } from '../../core/audit-record.ts';
import type { Promotion } from '../../core/model.ts';
import { BatonError, ErrorCode } from '../../errors.ts';
import type { RecordsSnapshot } from '../records-snapshot.ts';
import { isPromotionId, PROMOTION_COLUMNS, promotionRow } from './promotion-rows.ts';
import { inTransaction } from './transactions.ts';

export interface ImportReport {
  promotions: number;
  /** Promotions written now; the rest were there already, as they are in the source. */
  promotionsWritten: number;
  streams: number;
  records: number;
  recordsWritten: number;
  /** Streams read back from PostgreSQL with every link, seal and anchor holding. */
  chainsVerified: number;
}

const PROMOTIONS_PER_TRANSACTION = 500;

function brokenChains(
  snapshot: RecordsSnapshot,
  key: Buffer | undefined,
  read: (stream: string) => readonly AuditRecord[],
  anchorOf: (stream: string) => Promotion['audit'],
): string[] {
  const problems: string[] = [];
  const streams = new Set([...snapshot.streams.keys(), ...snapshot.promotions.map((p) => promotionStream(p.id))]);
  for (const stream of streams) {
    const anchor = anchorOf(stream);
    const check: ChainCheck = verifyAuditChain(read(stream), {
      ...(anchor ? { anchor } : {}),
      ...(key ? { key } : {}),
    });
    if (!check.intact) problems.push(`${stream}: ${check.problem ?? `broken at record ${check.brokenAt ?? '?'}`}`);
  }
  return problems;
}

interface StreamCopy {
  stream: string;
  records: readonly AuditRecord[];
  cursor: number;
}

function differs(stream: string, seq: number): BatonError {
  return new BatonError(
    ErrorCode.Conflict,
    `The audit stream ${stream} in PostgreSQL is not the one being copied: its record ${seq} differs. Nothing more was copied; PostgreSQL already holds other records for it (a bot wrote there first). Copy into an empty database, or leave this one as it is.`,
  );
}

/** Writes what each stream lacks, in a few statements for the whole page; returns how many records were written. */
async function writeStreams(client: pg.PoolClient, copies: readonly StreamCopy[]): Promise<number> {
  const streams = copies.map((copy) => copy.stream);
  await client.query(
    "INSERT INTO baton.audit_heads (stream, seq, hash) SELECT stream, 0, '' FROM unnest($1::text[]) AS stream ON CONFLICT (stream) DO NOTHING",
    [streams],
  );
  const { rows } = await client.query<{ stream: string; seq: number; hash: string }>(
    'SELECT stream, seq, hash FROM baton.audit_heads WHERE stream = ANY($1::text[]) ORDER BY stream FOR UPDATE',
    [streams],
  );
  const heads = new Map(rows.map((row) => [row.stream, row]));
  // Each record goes under the stream it is copied for, whatever it says of itself: its hash covers what it says.
  const missing: { stream: string; record: AuditRecord }[] = [];
  const moved: { stream: string; record: AuditRecord }[] = [];
  for (const { stream, records } of copies) {
    const have = heads.get(stream)?.seq ?? 0;
    if (have > 0 && records[have - 1]?.hash !== heads.get(stream)?.hash) throw differs(stream, have);
    const lacking = records.slice(have);
    missing.push(...lacking.map((record) => ({ stream, record })));
    const last = lacking.at(-1);
    if (last) moved.push({ stream, record: last });
  }
  if (missing.length > 0) {
    await client.query(
      'INSERT INTO baton.audit_records (stream, seq, record) SELECT * FROM unnest($1::text[], $2::integer[], $3::json[])',
      [
        missing.map((entry) => entry.stream),
        missing.map((entry) => entry.record.seq),
        missing.map((entry) => JSON.stringify(entry.record)),
      ],
    );
    await client.query(
      'UPDATE baton.audit_heads AS head SET seq = moved.seq, hash = moved.hash FROM unnest($1::text[], $2::integer[], $3::text[]) AS moved (stream, seq, hash) WHERE head.stream = moved.stream',
      [
        moved.map((entry) => entry.stream),
        moved.map((entry) => entry.record.seq),
        moved.map((entry) => entry.record.hash),
      ],
    );
  }
  await client.query(
    'INSERT INTO baton.thread_cursors (stream, seq) SELECT * FROM unnest($1::text[], $2::integer[]) ON CONFLICT (stream) DO UPDATE SET seq = GREATEST(baton.thread_cursors.seq, EXCLUDED.seq)',
    [streams, copies.map((copy) => copy.cursor)],
  );
  const behind = copies.filter((copy) => copy.cursor < (copy.records.at(-1)?.seq ?? 0)).map((copy) => copy.stream);
  if (behind.length > 0)
    await client.query(
      'INSERT INTO baton.unposted_streams (stream) SELECT unnest($1::text[]) ON CONFLICT (stream) DO NOTHING',
      [behind],
    );
  return missing.length;
}

/**
 * Writes promotions not there yet, or whose stored version has no more records
 * than the source's; returns how many. The stored versions are read and locked
 * first and compared here: PostgreSQL's JSON operators refuse a document that
 * holds `\u0000`, which a person's words may.
 */
async function writePromotions(client: pg.PoolClient, promotions: readonly Promotion[]): Promise<number> {
  const { rows: stored } = await client.query<{ document: Promotion }>(
    'SELECT document FROM baton.promotions WHERE id = ANY($1::bigint[]) FOR UPDATE',
    [promotions.map((promotion) => promotion.id)],
  );
  const storedCount = new Map(stored.map((row) => [row.document.id, row.document.audit?.count ?? 0]));
  const written = promotions.filter(
    (promotion) => (storedCount.get(promotion.id) ?? 0) <= (promotion.audit?.count ?? 0),
  );
  if (written.length === 0) return 0;
  const rows = written.map(promotionRow);
  // Only rows read and compared above are replaced: one a bot wrote since is left as it is.
  const compared = written.filter((promotion) => storedCount.has(promotion.id)).map((promotion) => promotion.id);
  const column = (k: number) => rows.map((row) => row[k]);
  const { rowCount } = await client.query(
    `INSERT INTO baton.promotions (${PROMOTION_COLUMNS})
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::json[])
     ON CONFLICT (id) DO UPDATE SET environment = EXCLUDED.environment, state = EXCLUDED.state, finished = EXCLUDED.finished,
       requested_by = EXCLUDED.requested_by, requested_at = EXCLUDED.requested_at, finished_at = EXCLUDED.finished_at, document = EXCLUDED.document
     WHERE baton.promotions.document::text <> EXCLUDED.document::text AND baton.promotions.id = ANY($9::bigint[])`,
    [...[0, 1, 2, 3, 4, 5, 6, 7].map(column), compared],
  );
  return rowCount ?? 0;
}

/** Notes the threads of promotions just written; a thread PostgreSQL already has stands. */
async function writeThreads(
  client: pg.PoolClient,
  promotions: readonly Promotion[],
  threads: RecordsSnapshot['threads'],
): Promise<void> {
  const noted = promotions.flatMap((promotion) => {
    const thread = threads.get(promotion.id);
    return thread ? [{ id: promotion.id, ...thread }] : [];
  });
  if (noted.length === 0) return;
  await client.query(
    'INSERT INTO baton.threads (promotion_id, channel, message_id) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT (promotion_id) DO NOTHING',
    [noted.map((n) => n.id), noted.map((n) => n.channel), noted.map((n) => n.messageId)],
  );
}

async function writeState(client: pg.PoolClient, snapshot: RecordsSnapshot): Promise<void> {
  for (const { environment, component, entry } of snapshot.ledger) {
    await client.query(
      'INSERT INTO baton.ledger (environment, component, entry) VALUES ($1, $2, $3) ON CONFLICT (environment, component) DO UPDATE SET entry = EXCLUDED.entry',
      [environment, component, JSON.stringify(entry)],
    );
  }
  for (const { environment, component, version, at } of snapshot.verified) {
    await client.query(
      'INSERT INTO baton.verified_versions (environment, component, version, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [environment, component, version, at],
    );
  }
  for (const { environment, holder } of snapshot.locks) {
    await client.query(
      'INSERT INTO baton.environment_locks (environment, holder) VALUES ($1, $2) ON CONFLICT (environment) DO UPDATE SET holder = EXCLUDED.holder',
      [environment, holder],
    );
  }
  for (const freeze of snapshot.freezes) {
    await client.query(
      'INSERT INTO baton.freezes (environment, document) VALUES ($1, $2) ON CONFLICT (environment) DO UPDATE SET document = EXCLUDED.document',
      [freeze.environment, JSON.stringify(freeze)],
    );
  }
  for (const release of snapshot.releases) {
    await client.query(
      'INSERT INTO baton.releases (name, document) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document',
      [release.name, JSON.stringify(release)],
    );
  }
  for (const archived of snapshot.archived) {
    await client.query(
      'INSERT INTO baton.archived_promotions (id, document) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [archived.id, JSON.stringify(archived)],
    );
  }
  const { rows } = await client.query<{ last_value: string; is_called: boolean }>(
    'SELECT last_value, is_called FROM baton.promotion_ids',
  );
  const handedOut = rows[0]?.is_called ? Number(rows[0].last_value) : 0;
  if (snapshot.counter > handedOut) await client.query("SELECT setval('baton.promotion_ids', $1)", [snapshot.counter]);
}

/** The records of the given streams as PostgreSQL holds them. */
async function readBack(pool: pg.Pool, streams: readonly string[]): Promise<Map<string, AuditRecord[]>> {
  const found = new Map<string, AuditRecord[]>(streams.map((stream) => [stream, []]));
  for (let start = 0; start < streams.length; start += 1000) {
    const { rows } = await pool.query<{ stream: string; record: AuditRecord }>(
      'SELECT stream, record FROM baton.audit_records WHERE stream = ANY($1::text[]) ORDER BY stream, seq',
      [streams.slice(start, start + 1000)],
    );
    for (const row of rows) found.get(row.stream)?.push(row.record);
  }
  return found;
}

async function anchorsOf(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, Promotion['audit']>> {
  const anchors = new Map<string, Promotion['audit']>();
  for (let start = 0; start < ids.length; start += 1000) {
    const { rows } = await pool.query<{ document: Promotion }>(
      'SELECT document FROM baton.promotions WHERE id = ANY($1::bigint[])',
      [ids.slice(start, start + 1000)],
    );
    for (const row of rows) anchors.set(promotionStream(row.document.id), row.document.audit);
  }
  return anchors;
}

/** Ids of promotions PostgreSQL already archived: copying one again would bring back what went into its evidence bundle. */
async function archivedIds(pool: pg.Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>('SELECT id::text AS id FROM baton.archived_promotions');
  return new Set(rows.map((row) => row.id));
}

export async function importRecords(pool: pg.Pool, source: RecordsSnapshot, auditKey?: Buffer): Promise<ImportReport> {
  const archived = await archivedIds(pool);
  const gone = new Set([...archived].map(promotionStream));
  const snapshot: RecordsSnapshot = {
    ...source,
    promotions: source.promotions.filter((promotion) => !archived.has(promotion.id)),
    streams: new Map([...source.streams].filter(([stream]) => !gone.has(stream))),
  };
  const byStream = new Map(snapshot.promotions.map((promotion) => [promotionStream(promotion.id), promotion]));
  const refused = snapshot.promotions
    .filter((promotion) => !isPromotionId(promotion.id))
    .map((promotion) => promotion.id);
  if (refused.length > 0)
    throw new BatonError(
      ErrorCode.Conflict,
      `Promotion ids ${refused.slice(0, 5).join(', ')} are not the store's numbers; nothing was copied.`,
    );
  const broken = brokenChains(
    snapshot,
    auditKey,
    (stream) => snapshot.streams.get(stream) ?? [],
    (stream) => byStream.get(stream)?.audit,
  );
  if (broken.length > 0) {
    throw new BatonError(
      ErrorCode.Conflict,
      `${broken.length} audit chain${broken.length > 1 ? 's do' : ' does'} not verify in the source, so nothing was copied:\n${broken.slice(0, 10).join('\n')}${broken.length > 10 ? `\n… and ${broken.length - 10} more` : ''}\n` +
        'Find out what changed them (on the embedded engine, `baton check` says more) before moving these records; set BATON_AUDIT_KEY if the chains are keyed.',
    );
  }
  const report: ImportReport = {
    promotions: snapshot.promotions.length,
    promotionsWritten: 0,
    streams: 0,
    records: 0,
    recordsWritten: 0,
    chainsVerified: 0,
  };
  const copyOf = (stream: string): StreamCopy => ({
    stream,
    records: snapshot.streams.get(stream) ?? [],
    cursor: snapshot.cursors.get(stream) ?? 0,
  });
  for (let start = 0; start < snapshot.promotions.length; start += PROMOTIONS_PER_TRANSACTION) {
    const page = snapshot.promotions.slice(start, start + PROMOTIONS_PER_TRANSACTION);
    const written = await inTransaction(pool, async (client) => {
      const records = await writeStreams(
        client,
        page.map((promotion) => copyOf(promotionStream(promotion.id))),
      );
      const promotions = await writePromotions(client, page);
      await writeThreads(client, page, snapshot.threads);
      return { records, promotions };
    });
    report.promotionsWritten += written.promotions;
    report.recordsWritten += written.records;
  }
  const others = [...snapshot.streams.keys()].filter((stream) => !byStream.has(stream));
  report.recordsWritten += await inTransaction(pool, async (client) => {
    const records = others.length > 0 ? await writeStreams(client, others.map(copyOf)) : 0;
    await writeState(client, snapshot);
    return records;
  });
  const copied = await readBack(pool, [...new Set([...snapshot.streams.keys(), ...byStream.keys()])]);
  const anchors = await anchorsOf(
    pool,
    snapshot.promotions.map((promotion) => promotion.id),
  );
  const afterwards = brokenChains(
    snapshot,
    auditKey,
    (stream) => copied.get(stream) ?? [],
    (stream) => anchors.get(stream),
  );
  if (afterwards.length > 0)
    throw new BatonError(
      ErrorCode.Conflict,
      `Copied, but ${afterwards.length} chain(s) do not verify as read back from PostgreSQL:\n${afterwards.slice(0, 10).join('\n')}`,
    );
  report.streams = copied.size;
  report.records = [...copied.values()].reduce((sum, records) => sum + records.length, 0);
  report.chainsVerified = copied.size;
  return report;
}
