/**
 * Which requests reach Baton at all. A page on another site can make a
 * browser send requests to Baton: through DNS rebinding (its own name, now
 * pointing at Baton's address) or cross-site (an Origin of its own). The Host
 * check stops the first, the Origin check the second.
 */
import { isIP } from 'node:net';
import type { JsonResult, RequestHead } from './server.ts';

/** Names that always mean this machine. IP addresses are always accepted: rebinding needs a name it controls. */
const LOOPBACK_NAMES = ['localhost'];

/** Lower-cased names; one starting with "." allows that domain's subdomains. */
export function allowedHostNames(configured: readonly string[]): ReadonlySet<string> {
  return new Set([
    ...LOOPBACK_NAMES,
    ...configured.map((name) => name.trim().toLowerCase()).filter((name) => name !== ''),
  ]);
}

function hostNameOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1] ?? '';
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

function isAllowedName(name: string, allowed: ReadonlySet<string>): boolean {
  if (isIP(name) !== 0 || allowed.has(name) || name.endsWith('.localhost')) return true;
  return [...allowed].some((entry) => entry.startsWith('.') && (name.endsWith(entry) || name === entry.slice(1)));
}

export function refuseHost(hostHeader: string | undefined, allowed: ReadonlySet<string>): JsonResult | undefined {
  if (hostHeader === undefined || isAllowedName(hostNameOf(hostHeader), allowed)) return undefined;
  return {
    status: 421,
    json: {
      error: `Baton does not serve the host name "${hostNameOf(hostHeader)}". If that is Baton's own address, add it to BATON_ALLOWED_HOSTS (comma-separated; ".example.com" allows its subdomains).`,
    },
    headers: { connection: 'close' },
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request a browser sent from another site. Requests with
 * no Origin (scripts, CI) pass here and answer to their route's access check.
 */
export function refuseCrossSite(head: RequestHead): JsonResult | undefined {
  if (SAFE_METHODS.has(head.method)) return undefined;
  const origin = head.headers.origin;
  const fetchSite = head.headers['sec-fetch-site'];
  const crossSite = fetchSite === 'cross-site' || (origin !== undefined && !sameOrigin(origin, head.headers.host));
  if (!crossSite) return undefined;
  return {
    status: 403,
    json: {
      error: `Refused a ${head.method} to ${head.path} sent from another site (Origin ${origin ?? 'unknown'}): Baton takes changes only from its own pages and from scripts.`,
    },
  };
}

function sameOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (origin === 'null' || hostHeader === undefined || !URL.canParse(origin)) return false;
  return new URL(origin).host.toLowerCase() === hostHeader.toLowerCase();
}
