/**
 * Finished promotions as Baton writes them, made up for the history
 * benchmark and for copying records between engines: promotion `i` of `total` goes to one of `environments`
 * environments, at a time spread evenly over two years, with two steps and
 * four sealed audit records (requested, each step, the outcome), anchored as
 * the store anchors them. One in twenty fails, one in fifty is rolled back.
 */
import { sealAuditRecord, type AuditRecord } from '../../src/core/audit-record.ts';
import { promotionStream } from '../../src/core/audit.ts';
import type { Promotion, PromotionState, Step } from '../../src/core/model.ts';
import { anchored } from '../../src/engine/anchor.ts';

export const SPAN_MS = 2 * 365 * 86_400_000;
/** The history ends here, so "the last 90 days" always holds the same promotions. */
export const HISTORY_ENDS = Date.parse('2026-12-01T00:00:00.000Z');
const HISTORY_STARTS = HISTORY_ENDS - SPAN_MS;

export function environmentOf(i: number, environments: number): string {
  return `env-${i % environments}`;
}

function stateOf(i: number): PromotionState {
  if (i % 20 === 7) return 'failed';
  if (i % 50 === 3) return 'rolled_back';
  return 'succeeded';
}

function step(id: string, component: string, version: string, status: Step['status'], at: string): Step {
  return {
    id: `${id}.${component}`,
    component,
    adapter: 'script',
    version,
    previousVersion: null,
    needs: component === 'api' ? ['schema'] : [],
    wave: component === 'api' ? 1 : 0,
    preview: { summary: `deploy ${component} ${version}`, details: [], reversible: true, changes: true },
    status,
    attempts: 1,
    outputs: {},
    log: [`${component} ${version} ${status}`],
    startedAt: at,
    finishedAt: at,
  };
}

export function finishedPromotion(
  i: number,
  total: number,
  environments: number,
): { promotion: Promotion; records: AuditRecord[] } {
  const id = String(i + 1);
  const requested = HISTORY_STARTS + Math.floor((i * SPAN_MS) / total);
  const at = (minutes: number) => new Date(requested + minutes * 60_000).toISOString();
  const state = stateOf(i);
  const version = `1.${Math.floor(i / environments)}.${i % 7}`;
  const environment = environmentOf(i, environments);
  const stream = promotionStream(id);
  const steps = [
    step(id, 'schema', version, 'succeeded', at(2)),
    step(id, 'api', version, state === 'failed' ? 'failed' : 'succeeded', at(6)),
  ];
  const events = [
    {
      type: 'promotion.requested' as const,
      actor: `user-${i % 97}`,
      summary: `user-${i % 97} asked for ${version} in ${environment}`,
      promotionId: id,
      at: at(0),
    },
    ...steps.map((s) => ({
      type: s.status === 'failed' ? ('step.failed' as const) : ('step.succeeded' as const),
      actor: 'baton',
      summary: s.log[0] ?? '',
      promotionId: id,
      stepId: s.id,
      at: s.finishedAt ?? '',
    })),
    {
      type: state === 'succeeded' ? ('promotion.succeeded' as const) : ('promotion.failed' as const),
      actor: 'baton',
      summary: `promotion #${id} ${state}`,
      promotionId: id,
      at: at(10),
    },
  ];
  const records: AuditRecord[] = [];
  for (const { at: time, ...event } of events) records.push(sealAuditRecord(stream, event, records.at(-1), time));
  const promotion: Promotion = {
    id,
    release: { name: version, versions: { schema: version, api: version } },
    environment,
    requestedBy: `user-${i % 97}`,
    requestedAt: at(0),
    channel: '#deploys',
    state,
    steps,
    waves: [['schema'], ['api']],
    approvals: [],
    updatedAt: at(10),
    finishedAt: at(10),
  };
  return { promotion: anchored(promotion, records), records };
}
