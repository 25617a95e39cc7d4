/** What is left of promotions whose records went into evidence bundles (`retention:`, `baton archive`). */
export const ARCHIVE_MIGRATION = {
  name: '0002-archive',
  sql: `
CREATE TABLE baton.archived_promotions (
  id bigint PRIMARY KEY,
  document json NOT NULL
);
`,
} as const;
