/**
 * Read-only promotion data for scripts and auditors: the evidence bundle
 * (behind the access check it is given), and the key that signs it (public).
 */
import { createPublicKey } from 'node:crypto';
import type { AuditKeys } from '../core/audit.ts';
import { evidenceMarkdown } from '../core/evidence.ts';
import type { PromotionIntents } from '../core/intents.ts';
import { BatonError, ErrorCode } from '../errors.ts';
import type { AccessCheck, HttpServer } from './server.ts';

export function registerPromotionRoutes(
  server: Pick<HttpServer, 'route'>,
  promotions: PromotionIntents,
  keys: AuditKeys,
  evidenceAccess: AccessCheck,
): void {
  server.route(
    'GET',
    '/api/promotions/evidence',
    async ({ query }) => {
      const id = query.get('id') ?? '';
      let bundle;
      try {
        bundle = await promotions.evidence(id);
      } catch (error) {
        if (!(error instanceof BatonError && error.code === ErrorCode.NotFound)) throw error;
        const archived = await promotions.archivedEvidence(id);
        if (!archived)
          return { status: 404, json: { error: `There is no promotion "${id}": pass ?id=<promotion id>.` } };
        // The bundle as archived, when it is still the one written and holds as checked now (not only as it says of
        // itself); otherwise where it went and what is wrong with it.
        const check = archived.bundle;
        if (check.found !== 'intact' || !check.chain.intact || check.signature === 'invalid') {
          const found =
            check.found === 'intact' ? { found: check.found, chain: check.chain, signature: check.signature } : check;
          return { status: 410, json: { error: error.message, archived: archived.archived, bundle: found } };
        }
        bundle = check.bundle;
      }
      if (query.get('format') === 'md') {
        return { status: 200, body: evidenceMarkdown(bundle), contentType: 'text/markdown; charset=utf-8' };
      }
      return { status: 200, json: bundle };
    },
    { access: evidenceAccess },
  );
  // A public key is public: anyone checking a bundle offline may fetch it.
  server.route('GET', '/api/audit/public-key', async () => {
    if (!keys.signing)
      return {
        status: 404,
        json: {
          error: 'Evidence is not signed here: set BATON_SIGNING_KEY to an Ed25519 private key (PEM) to sign it.',
        },
      };
    return {
      status: 200,
      body: createPublicKey(keys.signing).export({ type: 'spki', format: 'pem' }).toString(),
      contentType: 'application/x-pem-file',
    };
  });
}
