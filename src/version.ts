/** Baton's version, from its package.json (beside the sources in a checkout, copied into dist/ by the build). */
import { readFileSync } from 'node:fs';

export function batonVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}
