import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BUNDLED_EXAMPLE = fileURLToPath(new URL('../config/baton.example.yaml', import.meta.url));

/** `-c FILE` if given, else `config/baton.yaml` here, else the bundled example. */
export function defaultConfigPath(given: string | undefined): string {
  if (given) return given;
  if (existsSync('config/baton.yaml')) return 'config/baton.yaml';
  return BUNDLED_EXAMPLE;
}
