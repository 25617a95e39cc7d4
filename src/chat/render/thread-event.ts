/**
 * One reply in a promotion's thread per audit event: the thread is the
 * change log, rendered from the same events as the evidence.
 */
import type { AuditRecord, AuditType } from '../../core/audit-record.ts';
import type { Promotion } from '../../core/model.ts';
import { MASK } from '../../core/redaction.ts';
import type { Block, ChatMessage, Tone } from '../message.ts';
import { formatTime } from '../../core/time-text.ts';

const TONE: Partial<Record<AuditType, Tone>> = {
  'step.started': 'active',
  'step.retrying': 'warning',
  'step.succeeded': 'good',
  'step.failed': 'bad',
  'step.skipped': 'neutral',
  'approval.granted': 'good',
  'promotion.approved': 'good',
  'promotion.rejected': 'neutral',
  'promotion.waiting': 'warning',
  'promotion.started': 'active',
  'promotion.succeeded': 'good',
  'promotion.failed': 'bad',
  'promotion.plan_failed': 'bad',
  'promotion.replanning': 'active',
  'promotion.replanned': 'warning',
  'step.recovered': 'good',
  'promotion.interrupted': 'bad',
  'rollback.requested': 'active',
  'step.rolled_back': 'warning',
  'step.rollback_failed': 'bad',
  'step.rollback_skipped': 'warning',
  'promotion.rolled_back': 'warning',
};

/** A person's refused or repeated click: answered privately and recorded, never posted — the thread shows decisions, not noise. */
const CLICK_NOISE: readonly AuditType[] = ['approval.refused', 'approval.duplicate', 'rollback.refused'];

export function isClickNoise(record: AuditRecord): boolean {
  return CLICK_NOISE.includes(record.type);
}

/** Events the thread does not repeat: the root message already says them, or they are click noise. */
const SILENT: readonly AuditType[] = ['promotion.requested', 'promotion.planned', ...CLICK_NOISE];

function logOf(record: AuditRecord): string[] {
  const log = record.data?.log;
  return Array.isArray(log) ? log.filter((line): line is string => typeof line === 'string') : [];
}

function sensitiveOf(record: AuditRecord): string[] {
  const names = record.data?.sensitiveOutputs;
  return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : [];
}

/** A sensitive output is shown by name only, whatever value the record holds. */
function outputsOf(record: AuditRecord): [string, string][] {
  const outputs = record.data?.outputs;
  if (outputs === null || typeof outputs !== 'object') return [];
  const sensitive = sensitiveOf(record);
  return Object.entries(outputs as Record<string, unknown>).map(([k, v]) => [
    k,
    sensitive.includes(k) ? MASK : String(v),
  ]);
}

export function renderThreadEvent(record: AuditRecord, promotion: Promotion): ChatMessage | undefined {
  if (SILENT.includes(record.type)) return undefined;
  const tone = TONE[record.type] ?? 'neutral';
  const blocks: Block[] = [{ type: 'text', text: record.summary }];
  const outputs = outputsOf(record);
  if (outputs.length > 0) blocks.push({ type: 'fields', fields: outputs.map(([label, value]) => ({ label, value })) });
  const log = logOf(record);
  if (log.length > 0)
    blocks.push({
      type: 'list',
      items: [{ text: `log (last ${log.length} lines)`, tone: 'neutral', detail: log.join('\n') }],
    });
  // No Roll back button here: a reply is posted once and never edited, so it would stay after the rollback.
  // The promotion's own message carries the button while a rollback is possible, and loses it after.
  if (record.data?.rollbackOffered === true && (promotion.state === 'failed' || promotion.state === 'interrupted'))
    blocks.push({ type: 'context', text: "Roll back from the promotion's message above." });
  blocks.push({ type: 'context', text: `${record.actor} · ${formatTime(record.at)} · #${record.seq}` });
  // A reminder is meant to reach the approvers it names.
  const reminded =
    record.type === 'approval.reminded' && Array.isArray(record.data?.approvers)
      ? record.data.approvers.filter((user): user is string => typeof user === 'string')
      : [];
  return { text: record.summary, tone, blocks, ...(reminded.length > 0 ? { mentions: reminded } : {}) };
}
