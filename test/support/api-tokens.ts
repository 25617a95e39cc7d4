/**
 * API tokens for tests that read evidence or register releases over HTTP: the
 * tokens themselves, and the entries (hashed) Baton is started with.
 */
import { hashApiToken, type ApiTokenEntry } from '../../src/http/api-tokens.ts';

/** May read evidence bundles (evidence:read). */
export const EVIDENCE_TOKEN = 'baton_test-evidence-reader-0123456789abcdefghijklmnopq';
/** May register releases (releases:write). */
export const RELEASES_TOKEN = 'baton_test-release-writer-0123456789abcdefghijklmnopqr';

/** May scrape /metrics (metrics:read). */
export const METRICS_TOKEN = 'baton_test-metrics-scraper-0123456789abcdefghijklmnop';

export const TEST_API_TOKENS: readonly ApiTokenEntry[] = [
  { name: 'test-auditor', scopes: ['evidence:read'], sha256: hashApiToken(EVIDENCE_TOKEN) },
  { name: 'test-ci', scopes: ['releases:write'], sha256: hashApiToken(RELEASES_TOKEN) },
  { name: 'test-scraper', scopes: ['metrics:read'], sha256: hashApiToken(METRICS_TOKEN) },
];

/** The same tokens for a `baton start` process. */
export const TEST_API_TOKENS_ENV = { BATON_API_TOKENS: JSON.stringify({ tokens: TEST_API_TOKENS }) };

/** Headers of a request that reads evidence. */
export const EVIDENCE_HEADERS = { authorization: `Bearer ${EVIDENCE_TOKEN}` };
