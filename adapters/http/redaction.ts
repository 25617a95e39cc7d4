/**
 * Keeps secrets out of what the http adapter shows: the step's own redaction
 * (every `${secret:…}` value), plus what is secret by its place in the
 * settings even when written in clear: the HMAC secret, credential headers,
 * passwords in URLs and token-like query parameters.
 */
import type { AdapterContext } from '../kit/contract.ts';
import type { HttpConfig } from './schema.ts';

const MASK = '***';
// Shorter values would mask ordinary words, as in the core's redactor.
const MIN_SECRET_LENGTH = 4;
const CREDENTIAL_HEADER = /auth|token|secret|key|password|signature|cookie|session/i;
const CREDENTIAL_QUERY_PARAMETER = /token|secret|password|passwd|pwd|key|signature|^sig$|auth|credential|^code$/i;
const QUERY_PARAMETER = /([?&])([^=&#]+)=([^&#]*)/g;
const URL_PASSWORD = /(\/\/[^/?#:@]*):[^/?#@]*@/;
// After "Bearer " or "Basic ": the part that is secret on its own, in case it shows up alone.
const AUTH_SCHEME = /^[A-Za-z]+\s+(\S+)$/;

export type Redact = (text: string) => string;

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

/** The URL as people may see it: password and token-like query values masked. */
export function displayUrl(url: string): string {
  return url
    .replace(URL_PASSWORD, `$1:${MASK}@`)
    .replace(QUERY_PARAMETER, (whole, separator: string, name: string) =>
      CREDENTIAL_QUERY_PARAMETER.test(name) ? `${separator}${name}=${MASK}` : whole,
    );
}

function credentialHeaderValues(headers: Record<string, string> | undefined): string[] {
  return Object.entries(headers ?? {})
    .filter(([name]) => isCredentialHeader(name))
    .flatMap(([, value]) => [value, AUTH_SCHEME.exec(value)?.[1] ?? '']);
}

function settingSecrets(config: HttpConfig): string[] {
  const triggers = [config.trigger, config.rollback?.trigger];
  return [
    ...triggers.map((trigger) => trigger?.hmac?.secret ?? ''),
    ...triggers.flatMap((trigger) => credentialHeaderValues(trigger?.headers)),
    ...credentialHeaderValues(config.poll?.headers),
    ...credentialHeaderValues(config.rollback?.poll?.headers),
    ...credentialHeaderValues(config.current?.headers),
  ];
}

export function redactorFor(ctx: AdapterContext<HttpConfig>): Redact {
  const secrets = [...new Set(settingSecrets(ctx.config))]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    // Longest first, so a secret that contains another is masked whole.
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((masked, secret) => masked.split(secret).join(MASK), ctx.redact(text));
}
