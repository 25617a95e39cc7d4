/**
 * Named API tokens with scopes, kept as SHA-256 digests: the file that lists
 * them grants nothing to whoever reads it. A plain, unsalted SHA-256 is enough
 * here because every token is 32 random bytes (see newApiToken): there is no
 * guessable password to brute-force, so a slow, salted hash would add nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BatonError, ErrorCode, errorMessage } from '../errors.ts';

/** What a token may do. `metrics:read` is for the /metrics endpoint. */
export const API_SCOPES = ['evidence:read', 'releases:write', 'metrics:read'] as const;

export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiTokenEntry {
  /** Shown in logs and refusals instead of the token itself. */
  name: string;
  scopes: readonly ApiScope[];
  /** Lower-case hex SHA-256 of the token text. */
  sha256: string;
}

const TOKEN_PREFIX = 'baton_';

/** `baton_` and 32 random bytes, base64url: long and random enough that a plain digest is safe to store. */
export function newApiToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The lines to add under `tokens:` in the token file for a new token. */
export function apiTokenFileEntry(entry: ApiTokenEntry): string {
  return [`  - name: ${entry.name}`, `    scopes: [${entry.scopes.join(', ')}]`, `    sha256: ${entry.sha256}`].join(
    '\n',
  );
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isApiTokenName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export function isApiScope(scope: string): scope is ApiScope {
  return (API_SCOPES as readonly string[]).includes(scope);
}

const entrySchema = z.strictObject({
  name: z
    .string()
    .regex(NAME_PATTERN, 'must be 1 to 64 letters, digits and . _ - (starting with a letter or digit), e.g. "ci"'),
  scopes: z
    .array(
      z.enum(API_SCOPES, {
        error: (issue) => `unknown scope ${JSON.stringify(issue.input)}; the scopes are ${API_SCOPES.join(', ')}`,
      }),
    )
    .min(1, `is empty: name at least one scope of ${API_SCOPES.join(', ')}`),
  sha256: z
    .string()
    .refine(
      (text) => !text.startsWith(TOKEN_PREFIX),
      'holds the token itself; store only its SHA-256 (the line `baton token create` prints, or `printf %s "$TOKEN" | sha256sum`)',
    )
    .transform((text) => text.toLowerCase())
    .pipe(
      z
        .string()
        .regex(
          /^[0-9a-f]{64}$/,
          "must be the 64 hex digits of the token's SHA-256 (the line `baton token create` prints)",
        ),
    ),
});

const fileSchema = z.strictObject({ tokens: z.array(z.unknown()) });

const EXAMPLE = 'tokens:\n  - name: ci\n    scopes: [releases:write]\n    sha256: <64 hex digits>';

/** Where a token list came from, for error messages: `BATON_API_TOKENS_FILE (/etc/baton/tokens.yaml)`. */
function invalid(source: string, problem: string): BatonError {
  return new BatonError(ErrorCode.ConfigInvalid, `${source}: ${problem}`);
}

const FIELD_HINTS: Record<string, string> = {
  name: 'e.g. name: ci',
  scopes: `e.g. scopes: [releases:write]; the scopes are ${API_SCOPES.join(', ')}`,
  sha256: 'the 64 hex digits `baton token create` prints',
};

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) =>
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    raw,
  );
}

/** One problem of an entry, said as what to fix: `scopes[0]: unknown scope …`. */
function entryProblem(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}: an entry has name, scopes and sha256 only`;
  if (issue.path.length === 0)
    return `must be a map of name, scopes and sha256, e.g. { name: ci, scopes: [releases:write], sha256: … }`;
  const field = issue.path
    .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
    .join('.')
    .replace(/\.\[/g, '[');
  if (issue.code === 'invalid_type') {
    const hint = FIELD_HINTS[String(issue.path[0])] ?? '';
    return valueAt(raw, issue.path) === undefined
      ? `${field} is missing: add it (${hint})`
      : `${field} must be ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`} (${hint})`;
  }
  return `${field} ${issue.message}`;
}

/**
 * Reads a token list (YAML, or JSON, which YAML reads too). Every problem is
 * reported at once, naming the entry (by position and name) and the field.
 */
export function parseApiTokens(text: string, source: string): ApiTokenEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    // The parser's message goes on to draw the line; its first line says what and where.
    throw invalid(
      source,
      `is not valid YAML or JSON (${(errorMessage(error).split('\n')[0] ?? '').replace(/:$/, '')}). Expected:\n${EXAMPLE}`,
    );
  }
  const file = fileSchema.safeParse(document);
  if (!file.success)
    throw invalid(source, `must be a map with one key, "tokens", holding a list of entries. Expected:\n${EXAMPLE}`);

  const problems: string[] = [];
  const entries: ApiTokenEntry[] = [];
  file.data.tokens.forEach((raw, index) => {
    const rawName = (raw as { name?: unknown } | null)?.name;
    const label = `tokens[${index}]${typeof rawName === 'string' ? ` ("${rawName}")` : ''}`;
    const entry = entrySchema.safeParse(raw);
    if (!entry.success) {
      for (const issue of entry.error.issues) problems.push(`${label}: ${entryProblem(issue, raw)}`);
      return;
    }
    const { name, scopes, sha256 } = entry.data;
    if (entries.some((other) => other.name === name))
      problems.push(`${label}: name "${name}" is used by an earlier entry; give each token its own name`);
    else if (entries.some((other) => other.sha256 === sha256))
      problems.push(
        `${label}: sha256 is the same as an earlier entry's; each token must be a new one (\`baton token create\`)`,
      );
    else entries.push({ name, scopes: [...new Set(scopes)], sha256 });
  });
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw invalid(source, `${count}:\n${problems.join('\n')}`);
  }
  return entries;
}

/** Tokens ready to check: digests as bytes, compared in constant time. */
export interface ApiTokenSet {
  readonly size: number;
  /** The entry whose token is `given`, if any. */
  find(given: string): ApiTokenEntry | undefined;
}

export function apiTokenSet(entries: readonly ApiTokenEntry[]): ApiTokenSet {
  const digests = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, 'hex') }));
  return {
    size: entries.length,
    find(given) {
      // Hashing first makes every comparison 32 bytes long whatever was sent; every entry is
      // compared, without stopping at a match, so the time taken does not tell which one matched.
      const digest = createHash('sha256').update(given, 'utf8').digest();
      let found: ApiTokenEntry | undefined;
      for (const candidate of digests) {
        const same = timingSafeEqual(digest, candidate.digest);
        found = same ? candidate.entry : found;
      }
      return found;
    },
  };
}
