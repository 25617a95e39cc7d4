/**
 * Keeps the connection string out of everything people see. `ctx.redact`
 * masks the secret as a whole; a driver or URL parser may echo the URL in
 * pieces (decoded, or just its user:password part), so the password is masked
 * on its own too.
 */
import type { AdapterContext } from '../kit/contract.ts';
import type { SqlMigrationsConfig } from './schema.ts';

const MASK = '***';
// Same floor as Baton's redactor: masking a two-letter password would mangle ordinary words.
const MIN_MASKED_LENGTH = 4;
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s@/]+@/gi;

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray % that is no escape is shown as written.
    return text;
  }
}

function passwordForms(url: string): string[] {
  const password = parseUrl(url)?.password ?? '';
  if (password === '') return [];
  return [...new Set([password, decoded(password)])].filter((form) => form.length >= MIN_MASKED_LENGTH);
}

/** Masks the URL, its password (as written and decoded), and any `scheme://user:password@` in `text`. */
export function hideConnectionSecrets(text: string, url: string): string {
  let result = url === '' ? text : text.split(url).join(MASK);
  for (const form of passwordForms(url).sort((a, b) => b.length - a.length)) result = result.split(form).join(MASK);
  return result.replace(USER_INFO, `$1${MASK}@`);
}

/** Every message of this adapter goes through here before a person or a log sees it. */
export function shown(ctx: AdapterContext<SqlMigrationsConfig>, text: string): string {
  return ctx.redact(hideConnectionSecrets(text, ctx.config.url));
}

/** `database "app" on db.internal:5432 as baton`: enough to tell targets apart, nothing secret. */
export function describeDatabase(url: string): string {
  const parsed = parseUrl(url);
  if (parsed === undefined) return 'the database';
  const database = decoded(parsed.pathname.replace(/^\//, ''));
  const host =
    parsed.hostname === '' ? 'the local socket' : `${parsed.hostname}${parsed.port === '' ? '' : `:${parsed.port}`}`;
  const user = parsed.username === '' ? '' : ` as ${decoded(parsed.username)}`;
  return `${database === '' ? 'the default database' : `database "${database}"`} on ${host}${user}`;
}
