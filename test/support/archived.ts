/** What the store keeps of an archived promotion, and Baton's record of it, as the archive would write them. */
import { sealAuditRecord } from '../../src/core/audit-record.ts';
import type { ArchivedPromotion, Promotion } from '../../src/core/model.ts';
import type { AuditBuild } from '../../src/engine/contract.ts';

export function archivedEntry(promotion: Promotion): ArchivedPromotion {
  if (!promotion.audit) throw new Error(`promotion #${promotion.id} has no audit anchor`);
  return {
    id: promotion.id,
    environment: promotion.environment,
    state: promotion.state,
    requestedBy: promotion.requestedBy,
    requestedAt: promotion.requestedAt,
    archivedAt: '2027-12-01T00:00:00.000Z',
    bundle: `/archive/promotion-${promotion.id}.evidence.json`,
    sha256: 'ab'.repeat(32),
    audit: promotion.audit,
  };
}

export function archivedRecord(id: string, actor = 'baton'): AuditBuild {
  return (previous) =>
    sealAuditRecord(
      'baton',
      { type: 'promotion.archived', actor, promotionId: id, summary: `archived #${id}` },
      previous,
      '2027-12-01T00:00:00.000Z',
    );
}
