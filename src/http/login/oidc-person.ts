/**
 * Who an identity provider's claims name, and whether Baton lets them in: the
 * name config lists (`requesters`, `approvals.from`) use, the email domain and
 * the groups the settings allow.
 */
import type { OidcSettings } from './settings.ts';
import { DEFAULT_USERNAME_CLAIM, OIDC_VARIABLES } from './settings.ts';

export type Claims = Readonly<Record<string, unknown>>;

export type PersonDecision = { ok: true; name: string; email?: string } | { ok: false; name?: string; reason: string };

/** The settings that decide; the name claim defaults to `email`, and unverified addresses are not trusted unless said. */
type Rules = Pick<OidcSettings, 'allowedDomains' | 'allowedGroups' | 'groupsClaim'> &
  Partial<Pick<OidcSettings, 'usernameClaim' | 'trustUnverifiedEmail'>>;

function text(claims: Claims, claim: string): string | undefined {
  const value = claims[claim];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Whether the provider vouches for the address: `email_verified` is true (some
 * providers' userinfo sends the string "true"). Missing is not verified, unless
 * the settings trust a provider that never sends the claim; false never is.
 */
function emailVerified(claims: Claims, rules: Rules): boolean {
  const verified = claims.email_verified;
  if (verified === true || verified === 'true') return true;
  return verified === undefined && rules.trustUnverifiedEmail === true;
}

/** An email the provider has not verified is no proof of a domain, nor of a person. */
function verifiedEmail(claims: Claims, rules: Rules): string | undefined {
  return emailVerified(claims, rules) ? text(claims, 'email') : undefined;
}

function groupsOf(claims: Claims, claim: string): string[] {
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  // Some providers send one group as a string, or several separated by spaces or commas.
  return typeof value === 'string' ? value.split(/[\s,]+/).filter((group) => group !== '') : [];
}

/**
 * The person's name: by default the verified email address, in lower case
 * (unique at the provider, unlike `preferred_username`, which people can often
 * change); or the claim the settings name.
 */
function nameOf(claims: Claims, rules: Rules): { name: string } | { reason: string } {
  const claim = rules.usernameClaim ?? DEFAULT_USERNAME_CLAIM;
  if (claim === 'email') {
    const email = verifiedEmail(claims, rules);
    if (email) return { name: email.toLowerCase() };
    return {
      reason: text(claims, 'email')
        ? `The identity provider has not verified your email address (${text(claims, 'email')}), and Baton knows people by their verified address. Verify it at the provider, or ask an administrator.`
        : `The identity provider sent no email address, and Baton knows people by their verified address. Ask an administrator to have the provider send the "email" claim (scope "email"), or to set ${OIDC_VARIABLES.usernameClaim} to another claim it sends.`,
    };
  }
  const name = text(claims, claim);
  return name
    ? { name }
    : {
        reason: `The identity provider did not send the "${claim}" claim that ${OIDC_VARIABLES.usernameClaim} names, so Baton cannot tell who you are. Ask an administrator to have the provider send it, or to pick another claim.`,
      };
}

export function decidePerson(claims: Claims, rules: Rules): PersonDecision {
  const named = nameOf(claims, rules);
  if ('reason' in named) return { ok: false, reason: named.reason };
  const { name } = named;
  const email = verifiedEmail(claims, rules);
  if (rules.allowedDomains.length > 0) {
    const domain = email?.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (!domain || !rules.allowedDomains.includes(domain)) {
      const yours = email
        ? `yours is ${email}`
        : text(claims, 'email')
          ? 'the provider has not verified yours'
          : 'the provider sent none';
      return {
        ok: false,
        name,
        reason: `Baton lets in only people with an email address at ${rules.allowedDomains.join(', ')}, and ${yours}.`,
      };
    }
  }
  if (rules.allowedGroups.length > 0) {
    const groups = groupsOf(claims, rules.groupsClaim);
    if (!groups.some((group) => rules.allowedGroups.includes(group))) {
      const yours =
        groups.length > 0
          ? `yours are ${groups.join(', ')}`
          : `the provider sent no "${rules.groupsClaim}" claim for you`;
      return {
        ok: false,
        name,
        reason: `Baton lets in only members of ${rules.allowedGroups.join(', ')}, and ${yours}.`,
      };
    }
  }
  return { ok: true, name, ...(email ? { email } : {}) };
}
