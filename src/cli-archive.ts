/**
 * `baton archive --before DATE --out DIR`: archives, as signed evidence
 * bundles in DIR, every promotion that finished before DATE, leaving in the
 * store only where each went. The same work `retention:` does on a schedule.
 */
import { auditKeysFrom } from './audit-keys.ts';
import { plural } from './chat/render/labels.ts';
import { archiveFinished, type ArchiveReport } from './core/archive.ts';
import { AuditLog } from './core/audit.ts';
import { systemClock, type Logger } from './core/capabilities.ts';
import { openEngine } from './engine/open-engine.ts';
import { UsageError } from './errors.ts';
import { evidenceFilesOnDisk } from './evidence-files.ts';
import { parseDuration } from './durations.ts';

const USAGE = 'baton archive --before <date|duration> --out <folder> [--data-dir DIR] [--as USER]';

export interface ArchiveOptions {
  before: string;
  out: string;
  dataDir: string;
  actor: string;
}

/** A date (2025-11-01, or a full ISO time) or a duration back from now (400d). */
export function archiveCutoff(text: string, now: Date): Date {
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : now.getTime() - durationOrNaN(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--before takes a date such as 2025-11-01 (or 2025-11-01T12:00:00Z) or how long ago, such as 400d; "${text.slice(0, 40)}" is neither.\nUsage: ${USAGE}`,
    );
  }
  return new Date(ms);
}

function durationOrNaN(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return Number.NaN;
  }
}

function describeReport(report: ArchiveReport, folder: string, before: Date): string {
  const lines = [
    report.archived.length > 0
      ? `Archived ${plural(report.archived.length, 'promotion')} that finished before ${before.toISOString()} into ${folder}: ${report.archived.map((a) => `#${a.id}`).join(', ')}.`
      : `No promotion that finished before ${before.toISOString()} could be archived.`,
  ];
  if (report.kept.length > 0) {
    lines.push(`${plural(report.kept.length, 'promotion')} due stayed:`);
    for (const { id, reason } of report.kept) lines.push(`  #${id}: ${reason}`);
  }
  if (report.archived.length > 0)
    lines.push(
      'Each bundle checks offline with `baton verify <file> --public-key baton.pem`; /promote audit <id> says where it went.',
    );
  return lines.join('\n');
}

export async function archiveFromCommandLine(
  options: ArchiveOptions,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<string> {
  const before = archiveCutoff(options.before, systemClock.now());
  const engine = await openEngine({
    dataDir: options.dataDir,
    logger,
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  });
  try {
    const audit = new AuditLog(engine.store, systemClock, logger, auditKeysFrom(env));
    const report = await archiveFinished(
      { store: engine.store, audit, clock: systemClock, evidenceFiles: evidenceFilesOnDisk },
      { before, folder: options.out, actor: options.actor },
    );
    return describeReport(report, options.out, before);
  } finally {
    await engine.queue.close();
    await engine.outbox.close();
    await engine.store.close();
  }
}
