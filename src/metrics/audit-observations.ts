/**
 * Step durations and approval waits, read off the audit records this process
 * writes: the core reports what happened through its audit log and needs no
 * knowledge of metrics.
 */
import { promotionStream, type AuditLog } from '../core/audit.ts';
import type { AuditRecord } from '../core/audit-record.ts';
import type { Logger } from '../core/capabilities.ts';
import type { Store } from '../engine/contract.ts';
import type { BatonMetrics } from './baton-metrics.ts';

const STEP_OUTCOMES: Partial<Record<AuditRecord['type'], string>> = {
  'step.succeeded': 'succeeded',
  'step.failed': 'failed',
};
const APPROVAL_OUTCOMES: Partial<Record<AuditRecord['type'], string>> = {
  'promotion.approved': 'approved',
  'promotion.rejected': 'rejected',
};

function seconds(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}

async function observeStep(store: Store, metrics: BatonMetrics, record: AuditRecord, outcome: string): Promise<void> {
  if (!record.promotionId || !record.stepId) return;
  const step = (await store.getPromotion(record.promotionId))?.steps.find((s) => s.id === record.stepId);
  const took = seconds(step?.startedAt, step?.finishedAt ?? record.at);
  if (step && took !== undefined) metrics.stepDuration.observe({ adapter: step.adapter, outcome }, took);
}

/** From the record that put the plan up for approval to the decision; nothing for a promotion that never waited (no approval needed). */
async function observeApproval(
  store: Store,
  metrics: BatonMetrics,
  record: AuditRecord,
  outcome: string,
): Promise<void> {
  if (!record.promotionId) return;
  const records = await store.readAudit(promotionStream(record.promotionId));
  const asked = records
    .filter((r) => r.seq < record.seq && (r.after as { state?: string } | undefined)?.state === 'awaiting_approval')
    .at(-1);
  const waited = seconds(asked?.at, record.at);
  const promotion = await store.getPromotion(record.promotionId);
  if (waited !== undefined && promotion)
    metrics.approvalWait.observe({ environment: promotion.environment, outcome }, waited);
}

/** Starts observing; returns the function that stops it. */
export function observeAuditRecords(audit: AuditLog, store: Store, metrics: BatonMetrics, logger: Logger): () => void {
  return audit.subscribe(async (record) => {
    const stepOutcome = STEP_OUTCOMES[record.type];
    const approvalOutcome = APPROVAL_OUTCOMES[record.type];
    try {
      if (stepOutcome) await observeStep(store, metrics, record, stepOutcome);
      if (approvalOutcome) await observeApproval(store, metrics, record, approvalOutcome);
    } catch (error) {
      // A figure missed must never fail or slow the change the record reports beyond this.
      logger.warn(
        { err: error, stream: record.stream, seq: record.seq },
        'could not take a metric from an audit record',
      );
    }
  });
}
