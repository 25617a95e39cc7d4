#!/usr/bin/env node
// Built (`npm run build`, the image): plain JavaScript beside this file, no loader.
// In a checkout: tsx loads the TypeScript directly, so there is no build step.
import { existsSync } from 'node:fs';

const compiled = new URL('../src/cli.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
