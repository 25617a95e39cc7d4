/** Read-only promotion data for scripts and auditors: the evidence bundle. */
import { promotionStream } from '../core/audit.ts';
import { buildEvidence, evidenceMarkdown } from '../core/evidence.ts';
import type { Store } from '../engine/contracts.ts';
import type { HttpServer } from './server.ts';

export function registerPromotionRoutes(server: Pick<HttpServer, 'route'>, store: Store): void {
  server.route('GET', '/api/promotions/evidence', async ({ query }) => {
    const id = query.get('id') ?? '';
    const promotion = await store.getPromotion(id);
    if (!promotion) return { status: 404, json: { error: `There is no promotion "${id}": pass ?id=<promotion id>.` } };
    const bundle = buildEvidence(promotion, await store.readAudit(promotionStream(promotion.id)));
    if (query.get('format') === 'md') {
      return { status: 200, body: evidenceMarkdown(bundle), contentType: 'text/markdown; charset=utf-8' };
    }
    return { status: 200, json: bundle };
  });
}
