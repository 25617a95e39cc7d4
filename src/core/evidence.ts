/**
 * The evidence bundle of a promotion: its record and every audit event, with
 * the verdict on the hash chain — as JSON for tools and Markdown for people.
 */
import { verifyAuditChain, type AuditRecord, type ChainCheck } from './audit-record.ts';
import type { LedgerEntry, Promotion, Step } from './model.ts';
import { maskSensitiveOutputs } from './redaction.ts';
import { describeRelease } from './release.ts';

export interface EvidenceBundle {
  promotion: Promotion;
  chain: ChainCheck;
  events: AuditRecord[];
}

function maskedLedgerEntry(entry: LedgerEntry | null | undefined): LedgerEntry | null | undefined {
  return entry ? { ...entry, outputs: maskSensitiveOutputs(entry) } : entry;
}

/** The step as auditors may see it: the store keeps sensitive values in clear because dependents need them. */
function maskedStep(step: Step): Step {
  return { ...step, outputs: maskSensitiveOutputs(step), ledgerBefore: maskedLedgerEntry(step.ledgerBefore) };
}

export function buildEvidence(promotion: Promotion, events: AuditRecord[]): EvidenceBundle {
  return { promotion: { ...promotion, steps: promotion.steps.map(maskedStep) }, chain: verifyAuditChain(events), events };
}

export function chainVerdict(chain: ChainCheck, count: number): string {
  return chain.intact
    ? `Hash chain intact: ${count} events, each sealed with SHA-256 over the one before.`
    : `Hash chain BROKEN: ${chain.problem}. The log was altered after it was written.`;
}

function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function outputsCell(step: Step): string {
  const shown = Object.entries(maskSensitiveOutputs(step)).map(([name, value]) => `${name} = ${value}`);
  return shown.length > 0 ? tableCell(shown.join(', ')) : '—';
}

export function evidenceMarkdown(bundle: EvidenceBundle): string {
  const { promotion, events, chain } = bundle;
  const lines = [
    `# Promotion #${promotion.id}: ${describeRelease(promotion.release)} → ${promotion.environment}`,
    '',
    `- Requested by ${promotion.requestedBy} at ${promotion.requestedAt}`,
    `- State: ${promotion.state}${promotion.reason ? ` (${promotion.reason})` : ''}`,
    `- Approvals: ${promotion.approvals.map((a) => `${a.user} at ${a.at}`).join(', ') || 'none'}`,
    `- ${chainVerdict(chain, events.length)}`,
    '',
    '## Steps',
    '',
    '| step | version | was | status | outputs |',
    '| --- | --- | --- | --- | --- |',
    ...promotion.steps.map((s) => `| ${s.component} | ${s.version} | ${s.previousVersion ?? '—'} | ${s.status} | ${outputsCell(s)} |`),
    '',
    '## Events',
    '',
    '| # | at | actor | event | what |',
    '| --- | --- | --- | --- | --- |',
    ...events.map((e) => `| ${e.seq} | ${e.at} | ${e.actor} | ${e.type} | ${tableCell(e.summary)} |`),
    '',
    `Last hash: ${events[events.length - 1]?.hash ?? '—'}`,
  ];
  return `${lines.join('\n')}\n`;
}
