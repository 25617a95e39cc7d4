/**
 * Promotions' chat threads in a table of their own, beside the thread
 * cursors: outbox state, not part of the promotion. Threads noted before
 * move out of the promotion documents; a document is rebuilt from its own
 * fields as written, so its words stay as they are.
 */
export const THREADS_MIGRATION = {
  name: '0003-threads',
  sql: `
CREATE TABLE baton.threads (
  promotion_id bigint PRIMARY KEY REFERENCES baton.promotions (id) ON DELETE CASCADE,
  channel text NOT NULL,
  message_id text NOT NULL
);

INSERT INTO baton.threads (promotion_id, channel, message_id)
SELECT id, document->'thread'->>'channel', document->'thread'->>'messageId'
FROM baton.promotions
WHERE json_typeof(document->'thread') = 'object';

UPDATE baton.promotions
SET document = (SELECT json_object_agg(field.key, field.value) FROM json_each(document) AS field WHERE field.key <> 'thread')
WHERE document->'thread' IS NOT NULL;
`,
} as const;
