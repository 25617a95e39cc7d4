/**
 * The evidence bundle of a promotion: its record and every audit event, with
 * the verdict on the hash chain — as JSON for tools and Markdown for people —
 * signed with Ed25519 when a signing key is set, so it can be checked offline.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type AuditRecord, type ChainCheck } from './audit-record.ts';
import type { AuditLog } from './audit.ts';
import type { LedgerEntry, MessageRef, Promotion, Step } from './model.ts';
import { maskSensitiveOutputs } from './redaction.ts';
import { describeRelease } from './release.ts';

export interface EvidenceSignature {
  algorithm: 'ed25519';
  /** The signer's public key (SPKI, PEM); check it against the one the bot publishes at /api/audit/public-key. */
  publicKey: string;
  /** Base64 signature over the canonical JSON of the bundle without its signature. */
  value: string;
}

export interface EvidenceBundle {
  promotion: Promotion;
  /** Where the promotion's chat thread, the record people read, was posted. */
  thread?: MessageRef;
  chain: ChainCheck;
  events: AuditRecord[];
  signature?: EvidenceSignature;
}

function maskedLedgerEntry(entry: LedgerEntry | null | undefined): LedgerEntry | null | undefined {
  return entry ? { ...entry, outputs: maskSensitiveOutputs(entry) } : entry;
}

/** The step as auditors may see it: sensitive values (encrypted in the store) masked. */
function maskedStep(step: Step): Step {
  return { ...step, outputs: maskSensitiveOutputs(step), ledgerBefore: maskedLedgerEntry(step.ledgerBefore) };
}

export function buildEvidence(
  promotion: Promotion,
  events: AuditRecord[],
  audit: AuditLog,
  thread: MessageRef | undefined,
): EvidenceBundle {
  const bundle: EvidenceBundle = {
    promotion: { ...promotion, steps: promotion.steps.map(maskedStep) },
    ...(thread ? { thread: { channel: thread.channel, messageId: thread.messageId } } : {}),
    chain: audit.verify(events, promotion.audit),
    events,
  };
  return audit.keys.signing ? signEvidence(bundle, audit.keys.signing) : bundle;
}

function signedContent(bundle: EvidenceBundle): Buffer {
  // A bundle without a thread signs what bundles signed before threads were in them.
  const { promotion, thread, chain, events } = bundle;
  return Buffer.from(canonicalJson({ promotion, ...(thread ? { thread } : {}), chain, events }));
}

function signEvidence(bundle: EvidenceBundle, key: KeyObject): EvidenceBundle {
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return {
    ...bundle,
    signature: { algorithm: 'ed25519', publicKey, value: sign(null, signedContent(bundle), key).toString('base64') },
  };
}

/** Whether the bundle's signature holds under `publicKey` (or, lacking one, the key the bundle names, which proves only that it was not changed since). */
export function evidenceSignatureHolds(bundle: EvidenceBundle, publicKey?: KeyObject): boolean {
  if (!bundle.signature) return false;
  const key = publicKey ?? createPublicKey(bundle.signature.publicKey);
  return verify(null, signedContent(bundle), key, Buffer.from(bundle.signature.value, 'base64'));
}

export function chainVerdict(chain: ChainCheck, events: readonly AuditRecord[]): string {
  const count = events.length;
  if (!chain.intact) return `Hash chain BROKEN: ${chain.problem}. The log was altered after it was written.`;
  if (chain.keyedUnchecked)
    return `Hash chain links intact: ${count} events; ${chain.keyedUnchecked} are sealed with the audit key, which this check does not have, so their seals were not checked.`;
  const keyed = count > 0 && events.every((e) => e.mac !== undefined);
  return `Hash chain intact: ${count} events, each sealed with ${keyed ? 'HMAC-SHA-256 under the audit key' : 'SHA-256'} over the one before.`;
}

function tableCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function outputsCell(step: Step): string {
  const shown = Object.entries(maskSensitiveOutputs(step)).map(([name, value]) => `${name} = ${value}`);
  return shown.length > 0 ? tableCell(shown.join(', ')) : '—';
}

export function evidenceMarkdown(bundle: EvidenceBundle): string {
  const { promotion, thread, events, chain } = bundle;
  const lines = [
    `# Promotion #${promotion.id}: ${describeRelease(promotion.release)} → ${promotion.environment}`,
    '',
    `- Requested by ${promotion.requestedBy} at ${promotion.requestedAt}`,
    `- State: ${promotion.state}${promotion.reason ? ` (${promotion.reason})` : ''}`,
    `- Approvals: ${promotion.approvals.map((a) => `${a.user} at ${a.at}`).join(', ') || 'none'}`,
    ...(thread ? [`- Chat thread: message ${thread.messageId} in ${thread.channel}`] : []),
    `- ${chainVerdict(chain, events)}`,
    '',
    '## Steps',
    '',
    '| step | version | was | status | outputs |',
    '| --- | --- | --- | --- | --- |',
    ...promotion.steps.map(
      (s) => `| ${s.component} | ${s.version} | ${s.previousVersion ?? '—'} | ${s.status} | ${outputsCell(s)} |`,
    ),
    '',
    '## Events',
    '',
    '| # | at | actor | event | what |',
    '| --- | --- | --- | --- | --- |',
    ...events.map((e) => `| ${e.seq} | ${e.at} | ${e.actor} | ${e.type} | ${tableCell(e.summary)} |`),
    '',
    `Last hash: ${events[events.length - 1]?.hash ?? '—'}`,
    ...(bundle.signature
      ? ['', `Signed with Ed25519; public key:`, '', '```', bundle.signature.publicKey.trim(), '```']
      : []),
  ];
  return `${lines.join('\n')}\n`;
}
