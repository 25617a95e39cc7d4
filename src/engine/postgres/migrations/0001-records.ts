/**
 * Baton's records: promotions with the columns history and DORA ask by, the
 * audit streams (append-only, one row per record, a head row per stream that
 * writers lock so the chain has one next link), and the small shared state.
 * Documents are `json`, not `jsonb`: kept as written, and `\u0000` in a
 * person's words is taken as it is.
 */
export const RECORDS_MIGRATION = {
  name: '0001-records',
  sql: `
CREATE SEQUENCE baton.promotion_ids;

CREATE TABLE baton.promotions (
  id bigint PRIMARY KEY,
  environment text NOT NULL,
  state text NOT NULL,
  finished boolean NOT NULL,
  requested_by text NOT NULL,
  requested_at timestamptz,
  finished_at timestamptz,
  document json NOT NULL
);
CREATE INDEX promotions_by_environment ON baton.promotions (environment, id DESC);
CREATE INDEX promotions_by_state ON baton.promotions (state, id DESC);
CREATE INDEX promotions_by_person ON baton.promotions (requested_by, id DESC);
CREATE INDEX promotions_by_time ON baton.promotions (requested_at);
CREATE INDEX promotions_unfinished ON baton.promotions (id DESC) WHERE NOT finished;
CREATE INDEX promotions_finished_by_environment ON baton.promotions (environment, finished_at) WHERE finished;

CREATE TABLE baton.audit_heads (
  stream text PRIMARY KEY,
  seq integer NOT NULL,
  hash text NOT NULL
);
CREATE TABLE baton.audit_records (
  stream text NOT NULL,
  seq integer NOT NULL,
  record json NOT NULL,
  PRIMARY KEY (stream, seq)
);

CREATE TABLE baton.thread_cursors (
  stream text PRIMARY KEY,
  seq integer NOT NULL
);
CREATE TABLE baton.unposted_streams (
  stream text PRIMARY KEY,
  noted bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX unposted_streams_in_order ON baton.unposted_streams (noted);

CREATE TABLE baton.ledger (
  environment text NOT NULL,
  component text NOT NULL,
  entry json NOT NULL,
  PRIMARY KEY (environment, component)
);
CREATE TABLE baton.verified_versions (
  environment text NOT NULL,
  component text NOT NULL,
  version text NOT NULL,
  at text NOT NULL,
  PRIMARY KEY (environment, component, version)
);

CREATE TABLE baton.environment_locks (
  environment text PRIMARY KEY,
  holder text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE baton.freezes (
  environment text PRIMARY KEY,
  document json NOT NULL
);
CREATE TABLE baton.releases (
  name text PRIMARY KEY,
  document json NOT NULL
);
CREATE TABLE baton.claims (
  key text PRIMARY KEY,
  until timestamptz NOT NULL
);
CREATE TABLE baton.leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  until timestamptz NOT NULL
);
`,
} as const;
