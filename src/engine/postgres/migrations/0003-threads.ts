/**
 * Promotions' chat threads in a table of their own, beside the thread
 * cursors: outbox state, not part of the promotion. Threads noted before move
 * out of the promotion documents. PostgreSQL's JSON functions refuse a
 * document holding `\u0000` (a person's words may), so the thread is read
 * from a copy without it and cut out of the document as written, which keeps
 * every other byte.
 */
export const THREADS_MIGRATION = {
  name: '0003-threads',
  sql: `
CREATE TABLE baton.threads (
  promotion_id bigint PRIMARY KEY REFERENCES baton.promotions (id) ON DELETE CASCADE,
  channel text NOT NULL,
  message_id text NOT NULL
);

CREATE TEMPORARY TABLE noted ON COMMIT DROP AS
SELECT id, written, readable::json -> 'thread' AS thread
FROM (
  SELECT id, document::text AS written, replace(document::text, '\\u0000', '\\u0001') AS readable
  FROM baton.promotions
  WHERE strpos(document::text, '"thread":') > 0
) AS documents;

INSERT INTO baton.threads (promotion_id, channel, message_id)
SELECT id, thread ->> 'channel', thread ->> 'messageId' FROM noted WHERE json_typeof(thread) = 'object';

UPDATE baton.promotions AS promotion
SET document = replace(replace(noted.written, ',"thread":' || noted.thread::text, ''), '"thread":' || noted.thread::text || ',', '')::json
FROM noted
WHERE promotion.id = noted.id AND noted.thread IS NOT NULL;
`,
} as const;
