/**
 * Retention: finished promotions older than an environment's history needs
 * go into signed evidence bundles in a folder, and the store keeps only what
 * says where each went and which bundle it was (`Store.archivePromotion`).
 * The bundle is written before the store lets go of anything, so a crash
 * leaves the promotion in place (archived again on the next run, to the same
 * file) or archived with its bundle on disk — never neither.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { AuditAnchor, AuditRecord, ChainCheck } from './audit-record.ts';
import { BATON_STREAM, promotionStream, type AuditLog } from './audit.ts';
import { buildEvidence, evidenceSignatureHolds, type EvidenceBundle } from './evidence.ts';
import { errorMessage } from '../errors.ts';
import { isTerminal, type ArchivedPromotion, type Promotion } from './model.ts';
import type { Clock, EvidenceFiles } from './capabilities.ts';
import { describeRelease } from './release.ts';
import type { Store } from '../engine/contract.ts';

/** What archiving needs: the records, the audit trail's keys, the time and somewhere to write. */
export interface ArchiveDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  evidenceFiles: EvidenceFiles;
}

export interface ArchiveRun {
  /** Promotions that finished before this go. */
  before: Date;
  folder: string;
  /** Who archives: a person running `baton archive`, or "baton" on the retention schedule. */
  actor: string;
}

export interface ArchiveReport {
  archived: ArchivedPromotion[];
  /** Promotions due that stay, and why; the next run tries them again. */
  kept: { id: string; reason: string }[];
}

/** Promotions read at a time. */
const PAGE = 200;

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Named by its content too: a bundle never replaces another (another Baton's #1, or one signed with another key). */
export function bundleFileName(id: string, digest: string): string {
  return `promotion-${id}-${digest.slice(0, 16)}.evidence.json`;
}

/** Why a finished promotion cannot be archived now, or undefined when it can. */
async function reasonToKeep(
  deps: ArchiveDeps,
  promotion: Promotion,
  anchor: AuditAnchor,
  records: readonly AuditRecord[],
  chain: ChainCheck,
): Promise<string | undefined> {
  if (records.length < anchor.count) return 'it changed while being read';
  if (!chain.intact)
    return `its audit log does not verify (${chain.problem ?? 'broken'}); it stays in place for someone to look into`;
  if (chain.keyedUnchecked)
    return 'its records are sealed with the audit key, which this run does not have (set BATON_AUDIT_KEY), so their seals could not be checked';
  if ((await deps.store.threadCursor(promotionStream(promotion.id))) < anchor.count)
    return 'chat has not been told all of it yet';
  if ((await deps.store.lockHolder(promotion.environment)) === promotion.id)
    return `it still holds ${promotion.environment}`;
  return undefined;
}

async function archiveOne(deps: ArchiveDeps, id: string, run: ArchiveRun): Promise<ArchivedPromotion | string> {
  // Records first, then the promotion: its anchor is then at least as new as the records read.
  const records = await deps.store.readAudit(promotionStream(id));
  const promotion = await deps.store.getPromotion(id);
  if (!promotion) return 'it is gone (another run archived it)';
  if (!isTerminal(promotion.state)) return 'it is moving again (a rollback started)';
  const anchor = promotion.audit;
  if (!anchor)
    return 'its record names no head for its audit log (written by an older Baton), so no bundle could prove it whole';
  const bundle = buildEvidence(promotion, [...records], deps.audit, await deps.store.threadOf(id));
  const reason = await reasonToKeep(deps, promotion, anchor, records, bundle.chain);
  if (reason) return reason;
  const content = `${JSON.stringify(bundle, null, 2)}\n`;
  const digest = sha256(content);
  const path = await deps.evidenceFiles.write(run.folder, bundleFileName(promotion.id, digest), content);
  const at = deps.clock.now().toISOString();
  const archived: ArchivedPromotion = {
    id: promotion.id,
    environment: promotion.environment,
    state: promotion.state,
    requestedBy: promotion.requestedBy,
    requestedAt: promotion.requestedAt,
    ...(promotion.finishedAt ? { finishedAt: promotion.finishedAt } : {}),
    archivedAt: at,
    bundle: path,
    sha256: digest,
    audit: anchor,
  };
  const build = deps.audit.build(
    BATON_STREAM,
    {
      type: 'promotion.archived',
      actor: run.actor,
      promotionId: promotion.id,
      summary: `Promotion #${promotion.id} (${describeRelease(promotion.release)} → ${promotion.environment}, ${promotion.state}) was archived: its ${anchor.count} audit records are in ${path}, SHA-256 ${archived.sha256}.`,
      data: { archived },
    },
    at,
  );
  const record = await deps.store.archivePromotion(archived, build);
  if (!record) return 'it changed, or another run archived it, while this one wrote its bundle';
  await deps.audit.announce([record]);
  return archived;
}

/** Archives every promotion that finished before `run.before`, oldest pages last; what could not go is said in the report. */
export async function archiveFinished(deps: ArchiveDeps, run: ArchiveRun): Promise<ArchiveReport> {
  const report: ArchiveReport = { archived: [], kept: [] };
  const finishedBefore = run.before.toISOString();
  let before: string | undefined;
  for (;;) {
    const page = await deps.store.listPromotions({
      finishedBefore,
      limit: PAGE,
      ...(before !== undefined ? { before } : {}),
    });
    for (const promotion of page) {
      // One promotion that cannot be archived (a full disk, a store outage) must not keep every older one in the store.
      const outcome = await archiveOne(deps, promotion.id, run).catch(
        (error: unknown) => `could not archive it: ${errorMessage(error)}`,
      );
      if (typeof outcome === 'string') report.kept.push({ id: promotion.id, reason: outcome });
      else report.archived.push(outcome);
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) return report;
    before = last.id;
  }
}

export type BundleCheck =
  | { found: 'missing' }
  | { found: 'changed'; sha256: string }
  | { found: 'unreadable'; problem: string }
  | { found: 'intact'; bundle: EvidenceBundle; chain: ChainCheck; signature: 'valid' | 'invalid' | 'none' };

/** Reads an archived promotion's bundle back and checks it is the one written, whole, and signed by this bot's key. */
export async function checkArchivedBundle(
  deps: Pick<ArchiveDeps, 'audit' | 'evidenceFiles'>,
  archived: ArchivedPromotion,
): Promise<BundleCheck> {
  const bytes = await deps.evidenceFiles.read(archived.bundle);
  if (!bytes) return { found: 'missing' };
  const found = sha256(bytes);
  if (found !== archived.sha256) return { found: 'changed', sha256: found };
  let bundle: EvidenceBundle;
  try {
    bundle = JSON.parse(bytes.toString('utf8')) as EvidenceBundle;
  } catch (error) {
    return { found: 'unreadable', problem: error instanceof Error ? error.message : String(error) };
  }
  const chain = deps.audit.verify(bundle.events, archived.audit);
  const signing = deps.audit.keys.signing;
  const signature = !bundle.signature
    ? 'none'
    : evidenceSignatureHolds(bundle, signing ? createPublicKey(signing) : undefined)
      ? 'valid'
      : 'invalid';
  return { found: 'intact', bundle, chain, signature };
}
