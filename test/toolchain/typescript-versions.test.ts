/**
 * Two TypeScripts are installed: `typescript` is TypeScript 6, whose
 * JavaScript API typescript-eslint loads, and `@typescript/go` is TypeScript 7,
 * the native compiler behind `npm run typecheck` and `npm run build`. Both
 * ship a `tsc` command and npm links the one it meets first, so this fails if
 * TypeScript 6 ever takes the name.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsc = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url));

describe('TypeScript', () => {
  it('compiles with TypeScript 7 and lints with TypeScript 6', () => {
    expect(execFileSync(tsc, ['--version'], { encoding: 'utf8' })).toMatch(/^Version 7\./);
    const linted = createRequire(import.meta.url)('typescript/package.json') as { version: string };
    expect(linted.version).toMatch(/^6\./);
  });
});
