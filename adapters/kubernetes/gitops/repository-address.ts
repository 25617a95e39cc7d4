/**
 * The `repo` setting: an https/ssh URL (often with a token in it) or a path
 * on disk. Tokens must never show, and must not decide where the working copy lives.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// git's scp-like syntax, `git@github.com:acme/deploy.git`: a colon before any slash.
const SCP_LIKE = /^[^/:]+:(?!\/\/)/;

export function isRemoteAddress(repo: string): boolean {
  return SCHEME.test(repo) || (SCP_LIKE.test(repo) && !isAbsolute(repo));
}

/** A URL as git reaches it; a local path relative to the config folder made absolute. */
export function repositoryLocation(repo: string, configDir: string): string {
  return isRemoteAddress(repo) ? repo : resolve(configDir, repo);
}

/** Drops `user:token@` from every URL in `text`, so a token in the URL never reaches a message. */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, '$1');
}

/**
 * The same repository with another token (a rotated secret) keeps its
 * working copy and its lock, so both are keyed by the address without credentials.
 */
export function repositoryKey(location: string): string {
  return withoutCredentials(location)
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

/** A folder name for the working copy that shows nothing of the address. */
export function workingCopyFolderName(location: string): string {
  return `repo-${createHash('sha256').update(repositoryKey(location)).digest('hex').slice(0, 16)}`;
}
