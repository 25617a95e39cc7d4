/** `baton verify evidence.json`: checks an evidence bundle offline — its signature, its chain and its anchor. */
import { readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { verifyAuditChain } from './core/audit-record.ts';
import { chainVerdict, evidenceSignatureHolds, type EvidenceBundle } from './core/evidence.ts';
import { BatonError, ErrorCode, errorMessage } from './errors.ts';

export interface VerifyRequest {
  bundlePath: string;
  publicKeyPath?: string;
  /** BATON_AUDIT_KEY, to check keyed seals too. */
  chainKey?: Buffer;
}

function readBundle(path: string): EvidenceBundle {
  let bundle: EvidenceBundle;
  try {
    bundle = JSON.parse(readFileSync(path, 'utf8')) as EvidenceBundle;
  } catch (error) {
    throw new BatonError(
      ErrorCode.NotFound,
      `Cannot read the evidence bundle ${path}: ${errorMessage(error)}. Save it with: curl -H "Authorization: Bearer …" "…/api/promotions/evidence?id=N" > evidence.json`,
    );
  }
  if (!bundle || typeof bundle !== 'object' || !bundle.promotion || !Array.isArray(bundle.events)) {
    throw new BatonError(
      ErrorCode.NotFound,
      `${path} is not an evidence bundle: it needs "promotion" and "events" as /api/promotions/evidence returns them.`,
    );
  }
  return bundle;
}

function readPublicKey(path: string): KeyObject {
  try {
    return createPublicKey(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BatonError(
      ErrorCode.NotFound,
      `Cannot read the public key ${path}: ${errorMessage(error)}. Fetch it from the bot: curl …/api/audit/public-key > baton.pem`,
    );
  }
}

/** Lines for a person, and whether everything checked holds. */
export function verifyEvidence(request: VerifyRequest): { lines: string[]; holds: boolean } {
  const bundle = readBundle(request.bundlePath);
  const lines: string[] = [];
  let holds = true;
  const publicKey = request.publicKeyPath ? readPublicKey(request.publicKeyPath) : undefined;
  if (!bundle.signature) {
    lines.push(
      publicKey
        ? 'Signature: MISSING — the bundle is not signed, so it cannot be tied to that key.'
        : 'Signature: none (the bot has no BATON_SIGNING_KEY).',
    );
    if (publicKey) holds = false;
  } else if (evidenceSignatureHolds(bundle, publicKey)) {
    lines.push(
      publicKey
        ? 'Signature: valid, made with the private key of the public key given.'
        : "Signature: valid under the key the bundle names; pass --public-key with the key from /api/audit/public-key to check it is the bot's.",
    );
  } else {
    lines.push(
      `Signature: INVALID — the bundle was changed after it was signed${publicKey ? ', or signed with another key' : ''}.`,
    );
    holds = false;
  }
  // Worked out again, never taken from the bundle's own verdict.
  const chain = verifyAuditChain(bundle.events, {
    ...(bundle.promotion.audit ? { anchor: bundle.promotion.audit } : {}),
    ...(request.chainKey ? { key: request.chainKey } : {}),
  });
  lines.push(chainVerdict(chain, bundle.events));
  if (!bundle.promotion.audit)
    lines.push(
      'Anchor: the promotion names no head for its log (written by an older Baton): a cut tail would not show.',
    );
  if (!chain.intact) holds = false;
  if (bundle.chain?.intact !== chain.intact)
    lines.push(`The bundle's own verdict (${bundle.chain?.intact ? 'intact' : 'broken'}) does not match this check.`);
  return { lines: [`Promotion #${bundle.promotion.id}, ${bundle.events.length} events`, ...lines], holds };
}
