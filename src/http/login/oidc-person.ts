/**
 * Who an identity provider's claims name, and whether Baton lets them in: the
 * name config lists (`requesters`, `approvals.from`) use, the email domain and
 * the groups the settings allow.
 */
import type { OidcSettings } from './settings.ts';
import { OIDC_VARIABLES } from './settings.ts';

export type Claims = Readonly<Record<string, unknown>>;

export type PersonDecision = { ok: true; name: string; email?: string } | { ok: false; name?: string; reason: string };

type Rules = Pick<OidcSettings, 'usernameClaim' | 'allowedDomains' | 'allowedGroups' | 'groupsClaim'>;

function text(claims: Claims, claim: string): string | undefined {
  const value = claims[claim];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** An email the provider has not verified is no proof of a domain. */
function verifiedEmail(claims: Claims): string | undefined {
  return claims.email_verified === false ? undefined : text(claims, 'email');
}

function groupsOf(claims: Claims, claim: string): string[] {
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  // Some providers send one group as a string, or several separated by spaces or commas.
  return typeof value === 'string' ? value.split(/[\s,]+/).filter((group) => group !== '') : [];
}

/**
 * The person's name: the configured claim; by default `preferred_username`,
 * else the verified email address (providers such as Google send no username).
 */
function nameOf(claims: Claims, rules: Rules): { name: string } | { reason: string } {
  if (rules.usernameClaim) {
    const name = text(claims, rules.usernameClaim);
    return name
      ? { name }
      : { reason: `The identity provider did not send the "${rules.usernameClaim}" claim that ${OIDC_VARIABLES.usernameClaim} names, so Baton cannot tell who you are. Ask an administrator to have the provider send it, or to pick another claim.` };
  }
  const name = text(claims, 'preferred_username') ?? verifiedEmail(claims);
  return name
    ? { name }
    : { reason: `The identity provider sent neither a "preferred_username" claim nor a verified email address, so Baton cannot tell who you are. Ask an administrator to set ${OIDC_VARIABLES.usernameClaim} to a claim the provider sends.` };
}

export function decidePerson(claims: Claims, rules: Rules): PersonDecision {
  const named = nameOf(claims, rules);
  if ('reason' in named) return { ok: false, reason: named.reason };
  const { name } = named;
  const email = verifiedEmail(claims);
  if (rules.allowedDomains.length > 0) {
    const domain = email?.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (!domain || !rules.allowedDomains.includes(domain)) {
      const yours = email ? `yours is ${email}` : text(claims, 'email') ? 'the provider has not verified yours' : 'the provider sent none';
      return { ok: false, name, reason: `Baton lets in only people with an email address at ${rules.allowedDomains.join(', ')}, and ${yours}.` };
    }
  }
  if (rules.allowedGroups.length > 0) {
    const groups = groupsOf(claims, rules.groupsClaim);
    if (!groups.some((group) => rules.allowedGroups.includes(group))) {
      const yours = groups.length > 0 ? `yours are ${groups.join(', ')}` : `the provider sent no "${rules.groupsClaim}" claim for you`;
      return { ok: false, name, reason: `Baton lets in only members of ${rules.allowedGroups.join(', ')}, and ${yours}.` };
    }
  }
  return { ok: true, name, ...(email ? { email } : {}) };
}
