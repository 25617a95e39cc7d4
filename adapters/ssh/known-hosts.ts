/**
 * OpenSSH's known_hosts format, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"
 * describes it: `[marker] patterns keytype base64-key [comment]`, where
 * patterns are comma-separated names with `*`/`?` wildcards and `!` negation,
 * `[host]:port` for ports other than 22, or one hashed name `|1|salt|hmac`
 * (what `ssh-keygen -H` and `HashKnownHosts yes` write).
 */
import { createHmac } from 'node:crypto';
import { DEFAULT_SSH_PORT } from './host-address.ts';

export interface KnownHostKey {
  /** 1-based, for messages that point people at the line to fix. */
  line: number;
  /** `@revoked` keys are refused for the hosts the line names; `@cert-authority` lines are CA keys, which Baton does not use. */
  marker: 'revoked' | 'cert-authority' | null;
  matches(name: string): boolean;
  keyType: string;
  key: Buffer;
}

const HASHED = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/;

/** The name known_hosts files use for a host: `web1`, or `[web1]:2222` on another port. */
export function knownHostsName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === DEFAULT_SSH_PORT ? lower : `[${lower}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

function hashedMatcher(salt: Buffer, hash: Buffer): (name: string) => boolean {
  return (name) => createHmac('sha1', salt).update(name).digest().equals(hash);
}

/** A negated pattern that matches rules the line out, whatever else matches (OpenSSH's match_hostname). */
function patternMatcher(field: string): (name: string) => boolean {
  const patterns = field
    .toLowerCase()
    .split(',')
    .filter((pattern) => pattern !== '')
    .map((pattern) =>
      pattern.startsWith('!')
        ? { negated: true, regExp: globToRegExp(pattern.slice(1)) }
        : { negated: false, regExp: globToRegExp(pattern) },
    );
  return (name) => {
    let matched = false;
    for (const pattern of patterns) {
      if (!pattern.regExp.test(name)) continue;
      if (pattern.negated) return false;
      matched = true;
    }
    return matched;
  };
}

function nameMatcher(field: string): ((name: string) => boolean) | null {
  const hashed = HASHED.exec(field);
  if (hashed) return hashedMatcher(Buffer.from(hashed[1] ?? '', 'base64'), Buffer.from(hashed[2] ?? '', 'base64'));
  if (field.startsWith('|')) return null;
  return patternMatcher(field);
}

function parseLine(text: string, line: number): KnownHostKey | null {
  const fields = text.trim().split(/\s+/);
  let marker: KnownHostKey['marker'] = null;
  if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
    marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
    fields.shift();
  }
  const [names, keyType, encodedKey] = fields;
  if (names === undefined || keyType === undefined || encodedKey === undefined) return null;
  const matches = nameMatcher(names);
  const key = Buffer.from(encodedKey, 'base64');
  if (matches === null || key.length === 0) return null;
  return { line, marker, matches, keyType, key };
}

/** Lines OpenSSH would skip (comments, blanks, garbage) are skipped here too. */
export function parseKnownHosts(text: string): KnownHostKey[] {
  return text
    .split('\n')
    .map((line, index) => (line.trim() === '' || line.trim().startsWith('#') ? null : parseLine(line, index + 1)))
    .filter((entry): entry is KnownHostKey => entry !== null);
}

/** The plain (not CA, not revoked) keys known for `host` on `port`. */
export function knownKeysFor(entries: readonly KnownHostKey[], host: string, port: number): KnownHostKey[] {
  const name = knownHostsName(host, port);
  return entries.filter((entry) => entry.marker === null && entry.matches(name));
}

/** The `@revoked` line for `key` on `host`, usually written with the pattern `*`. */
export function revokedEntry(
  entries: readonly KnownHostKey[],
  host: string,
  port: number,
  key: Buffer,
): KnownHostKey | undefined {
  const name = knownHostsName(host, port);
  return entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(key) && entry.matches(name));
}
