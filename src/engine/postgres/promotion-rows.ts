/** How a promotion sits in its row: the document as written, and the columns history, DORA and the live list ask by. */
import { isTerminal, type Promotion } from '../../core/model.ts';

const PROMOTION_ID = /^[1-9][0-9]{0,17}$/;

/** Ids are the counter's numbers; anything else names no promotion here (and is never sent to PostgreSQL as a bigint). */
export function isPromotionId(id: string): boolean {
  return PROMOTION_ID.test(id);
}

/** A time for a timestamp column: null for text that is not one, the document keeping the words as they are. */
function instant(text: string | undefined): string | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** PostgreSQL text cannot hold NUL; the document (JSON, escaped) keeps the exact value. */
function columnText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

/** The columns of `INSERT`/`UPDATE` in the order of PROMOTION_COLUMNS. */
export function promotionRow(promotion: Promotion): unknown[] {
  const finished = isTerminal(promotion.state);
  return [
    promotion.id,
    columnText(promotion.environment),
    promotion.state,
    finished,
    columnText(promotion.requestedBy),
    instant(promotion.requestedAt),
    finished ? instant(promotion.finishedAt ?? promotion.updatedAt) : null,
    JSON.stringify(promotion),
  ];
}

export const PROMOTION_COLUMNS = 'id, environment, state, finished, requested_by, requested_at, finished_at, document';
