/**
 * How people sign in to the console, from the environment: OIDC (Baton sends
 * them to an identity provider and keeps a signed session cookie), or a
 * trusted proxy (oauth2-proxy and the like) that names them in a header.
 * Neither is needed on a loopback address; anywhere else one is.
 */
import { BatonError, ErrorCode } from '../../errors.ts';
import { parseDuration } from '../../durations.ts';
import { parseAddressList, type AddressList } from './address-list.ts';

export const OIDC_VARIABLES = {
  issuer: 'BATON_OIDC_ISSUER',
  clientId: 'BATON_OIDC_CLIENT_ID',
  clientSecret: 'BATON_OIDC_CLIENT_SECRET',
  usernameClaim: 'BATON_OIDC_USERNAME_CLAIM',
  scopes: 'BATON_OIDC_SCOPES',
  allowedDomains: 'BATON_OIDC_ALLOWED_DOMAINS',
  allowedGroups: 'BATON_OIDC_ALLOWED_GROUPS',
  groupsClaim: 'BATON_OIDC_GROUPS_CLAIM',
  trustUnverifiedEmail: 'BATON_OIDC_TRUST_UNVERIFIED_EMAIL',
} as const;
export const PUBLIC_URL_VARIABLE = 'BATON_PUBLIC_URL';
export const TRUSTED_PROXIES_VARIABLE = 'BATON_TRUSTED_PROXIES';
export const SESSION_KEY_VARIABLE = 'BATON_SESSION_KEY';
export const SESSION_TTL_VARIABLE = 'BATON_SESSION_TTL';

export const DEFAULT_SCOPES = ['openid', 'profile', 'email'];
export const DEFAULT_GROUPS_CLAIM = 'groups';
/** The verified email address: unique at the provider, and the same address the domain rule checks. */
export const DEFAULT_USERNAME_CLAIM = 'email';
/** Claims OIDC does not promise are unique or stable; people can often change their own. */
const NOT_UNIQUE_CLAIMS = ['preferred_username', 'name', 'nickname', 'given_name', 'family_name'];
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Baton's address as browsers reach it; the redirect URI is `<publicUrl>/login/callback`. */
  publicUrl: URL;
  scopes: readonly string[];
  /**
   * The claim that holds the name config lists use: by default `email`, the
   * verified address in lower case. Whenever it is `email` the provider must
   * have verified it.
   */
  usernameClaim: string;
  /**
   * Take an email without an `email_verified` claim as verified, for providers
   * that never send one. An explicit `false` is still refused.
   */
  trustUnverifiedEmail: boolean;
  /** Lower-cased; the person's verified email must be at one of them. Empty: any domain. */
  allowedDomains: readonly string[];
  /** The person must be in one of them (by `groupsClaim`). Empty: any group. */
  allowedGroups: readonly string[];
  groupsClaim: string;
}

export interface LoginSettings {
  oidc?: OidcSettings;
  /** Proxies whose X-Forwarded-User / X-Forwarded-Email are believed. */
  trustedProxies?: AddressList;
  /** BATON_PUBLIC_URL, also without OIDC: its host name is always served. */
  publicUrl?: URL;
  /** BATON_SESSION_KEY's value; unset: a key file in the data folder (embedded engine only). */
  sessionKey?: string;
  sessionTtlMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function invalid(message: string): BatonError {
  return new BatonError(ErrorCode.ConfigInvalid, message);
}

function value(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

function list(env: Env, name: string): string[] {
  return (value(env, name) ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function httpUrl(env: Env, name: string, meaning: string): URL | undefined {
  const text = value(env, name);
  if (text === undefined) return undefined;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw invalid(
      `${name} must be ${meaning} as an http(s) URL without query, like https://baton.example.com, not "${text}".`,
    );
  }
  return url;
}

function oidcSettingsFrom(env: Env, publicUrl: URL | undefined): OidcSettings | undefined {
  const issuer = httpUrl(env, OIDC_VARIABLES.issuer, "the identity provider's issuer");
  const clientId = value(env, OIDC_VARIABLES.clientId);
  const clientSecret = value(env, OIDC_VARIABLES.clientSecret);
  const anyOidc = Object.values(OIDC_VARIABLES).some((name) => value(env, name) !== undefined);
  if (!anyOidc) return undefined;
  if (issuer && issuer.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname)) {
    // Tokens and the client secret would cross the network in the clear.
    throw invalid(
      `${OIDC_VARIABLES.issuer} must be an https URL (got "${issuer.href}"); plain http is accepted only for a provider on this machine (localhost, 127.0.0.1), for trying things out.`,
    );
  }
  const missing = [
    issuer ? undefined : OIDC_VARIABLES.issuer,
    clientId ? undefined : OIDC_VARIABLES.clientId,
    clientSecret ? undefined : OIDC_VARIABLES.clientSecret,
    publicUrl ? undefined : PUBLIC_URL_VARIABLE,
  ].filter((name) => name !== undefined);
  if (missing.length > 0) {
    throw invalid(
      `Sign-in with OIDC is half configured: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. ` +
        `OIDC needs ${OIDC_VARIABLES.issuer}, ${OIDC_VARIABLES.clientId}, ${OIDC_VARIABLES.clientSecret} and ${PUBLIC_URL_VARIABLE} ` +
        `(register <${PUBLIC_URL_VARIABLE}>/login/callback as the client's redirect URI).`,
    );
  }
  const allowedDomains = list(env, OIDC_VARIABLES.allowedDomains).map((domain) =>
    domain.replace(/^@/, '').toLowerCase(),
  );
  const allowedGroups = list(env, OIDC_VARIABLES.allowedGroups);
  if (allowedDomains.length === 0 && allowedGroups.length === 0) {
    // Without one, anyone with an account at the provider (all of Google, say) could sign in.
    throw invalid(
      `Sign-in with OIDC needs ${OIDC_VARIABLES.allowedDomains} (email domains, e.g. example.com) or ${OIDC_VARIABLES.allowedGroups} ` +
        `(groups from the "${value(env, OIDC_VARIABLES.groupsClaim) ?? DEFAULT_GROUPS_CLAIM}" claim), or both: without them anyone with an account at ${issuer?.href} could sign in.`,
    );
  }
  const scopes = list(env, OIDC_VARIABLES.scopes);
  if (scopes.length > 0 && !scopes.includes('openid')) {
    throw invalid(
      `${OIDC_VARIABLES.scopes} must include "openid" (got "${scopes.join(' ')}"); leave it unset for "${DEFAULT_SCOPES.join(' ')}".`,
    );
  }
  const usernameClaim = value(env, OIDC_VARIABLES.usernameClaim) ?? DEFAULT_USERNAME_CLAIM;
  const trust = value(env, OIDC_VARIABLES.trustUnverifiedEmail)?.toLowerCase();
  if (trust !== undefined && trust !== 'true' && trust !== 'false') {
    throw invalid(
      `${OIDC_VARIABLES.trustUnverifiedEmail} must be true or false, not "${value(env, OIDC_VARIABLES.trustUnverifiedEmail)}".`,
    );
  }
  return {
    issuer: issuer as URL,
    clientId: clientId as string,
    clientSecret: clientSecret as string,
    publicUrl: publicUrl as URL,
    scopes: scopes.length > 0 ? scopes : DEFAULT_SCOPES,
    usernameClaim,
    trustUnverifiedEmail: trust === 'true',
    allowedDomains,
    allowedGroups,
    groupsClaim: value(env, OIDC_VARIABLES.groupsClaim) ?? DEFAULT_GROUPS_CLAIM,
  };
}

function sessionTtlFrom(env: Env): number {
  const text = value(env, SESSION_TTL_VARIABLE);
  if (text === undefined) return DEFAULT_SESSION_TTL_MS;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    ms = 0;
  }
  if (ms <= 0)
    throw invalid(`${SESSION_TTL_VARIABLE} must be how long a console session lasts, like 12h or 30m, not "${text}".`);
  return ms;
}

/** Reads every login setting; throws a message naming the variable for a bad value. */
export function loginSettingsFrom(env: Env): LoginSettings {
  const publicUrl = httpUrl(env, PUBLIC_URL_VARIABLE, "Baton's address as browsers reach it");
  if (publicUrl && publicUrl.pathname !== '/') {
    // The console's pages and redirects live at the root; a path prefix would break every one of them.
    throw invalid(
      `${PUBLIC_URL_VARIABLE} must be Baton's address without a path, like https://baton.example.com, not "${publicUrl.href}": serve Baton at the root of its own host name.`,
    );
  }
  const oidc = oidcSettingsFrom(env, publicUrl);
  const proxies = value(env, TRUSTED_PROXIES_VARIABLE);
  const trustedProxies = proxies === undefined ? undefined : parseAddressList(proxies, TRUSTED_PROXIES_VARIABLE);
  const sessionKey = value(env, SESSION_KEY_VARIABLE);
  return {
    ...(oidc ? { oidc } : {}),
    ...(trustedProxies && trustedProxies.entries.length > 0 ? { trustedProxies } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(sessionKey ? { sessionKey } : {}),
    sessionTtlMs: sessionTtlFrom(env),
  };
}

/**
 * What to warn about at start: a name claim that another person could also
 * carry (OIDC does not promise `preferred_username` or `name` are unique, and
 * people can often change their own), or trusting unverified addresses.
 */
export function oidcWarnings(oidc: OidcSettings): string[] {
  const warnings: string[] = [];
  if (NOT_UNIQUE_CLAIMS.includes(oidc.usernameClaim)) {
    warnings.push(
      `${OIDC_VARIABLES.usernameClaim} is "${oidc.usernameClaim}", which OIDC does not guarantee to be unique or stable: at many providers people can change it themselves, ` +
        `and whoever takes a name listed in requesters or approvals.from acts as that person. Prefer the verified email (leave ${OIDC_VARIABLES.usernameClaim} unset), ` +
        '"sub", or a claim the provider guarantees unique, such as "upn" at Entra ID.',
    );
  }
  if (oidc.trustUnverifiedEmail) {
    warnings.push(
      `${OIDC_VARIABLES.trustUnverifiedEmail} is true: an email address without an "email_verified" claim counts as verified, for the allowed domains${oidc.usernameClaim === 'email' ? " and as the person's name" : ''}. ` +
        'Use it only with a provider that lets nobody set an address they do not own.',
    );
  }
  return warnings;
}

/** Whether any way to sign in is configured. */
export function loginConfigured(settings: LoginSettings | undefined): boolean {
  return Boolean(settings?.oidc || settings?.trustedProxies);
}

/** What to set for a login, for messages that ask for one. */
export const HOW_TO_CONFIGURE_LOGIN =
  `Either sign in with OIDC: set ${OIDC_VARIABLES.issuer}, ${OIDC_VARIABLES.clientId}, ${OIDC_VARIABLES.clientSecret}, ${PUBLIC_URL_VARIABLE} ` +
  `(the redirect URI is <${PUBLIC_URL_VARIABLE}>/login/callback) and ${OIDC_VARIABLES.allowedDomains} or ${OIDC_VARIABLES.allowedGroups}; ` +
  `or put Baton behind a proxy that signs people in (such as oauth2-proxy) and sends X-Forwarded-User / X-Forwarded-Email: ` +
  `set ${TRUSTED_PROXIES_VARIABLE} to its addresses (IPs or CIDR ranges, comma-separated).`;
