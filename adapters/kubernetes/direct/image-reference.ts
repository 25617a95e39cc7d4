/**
 * Container image references: `ghcr.io/acme/api:2.0.0` or
 * `ghcr.io/acme/api@sha256:…`. The version Baton promotes is the tag, or the
 * digest when the version is one.
 */

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export interface ImageReference {
  repository: string;
  tag: string | null;
  digest: string | null;
}

export function parseImage(image: string): ImageReference {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : null;
  const colon = named.lastIndexOf(':');
  // A colon before the last slash is a registry port (localhost:5000/api), not a tag.
  const hasTag = colon > named.lastIndexOf('/');
  return {
    repository: hasTag ? named.slice(0, colon) : named,
    tag: hasTag ? named.slice(colon + 1) : null,
    digest,
  };
}

/** The image to run for `version`: by digest when the version is one, by tag otherwise. */
export function imageFor(repository: string, version: string): string {
  return DIGEST.test(version) ? `${repository}@${version}` : `${repository}:${version}`;
}

/** The version an image runs: its digest, else its tag, else `latest` (what a runtime pulls without a tag). */
export function versionOf(image: string): string {
  const reference = parseImage(image);
  return reference.digest ?? reference.tag ?? 'latest';
}
