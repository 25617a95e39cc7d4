/**
 * Keeps adapters/ and the registry in step: a folder nobody registered would
 * ship dead code, a registered kind without a readme leaves users guessing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TargetAdapter } from '../../adapters/kit/contract.ts';
import { adapterRegistry, createAdapterLookup } from '../../adapters/registry.ts';

const ADAPTERS_DIR = fileURLToPath(new URL('../../adapters/', import.meta.url));

/** Not an adapter: what every adapter shares (the contract, step errors, running programs, settings helpers). */
const KIT_FOLDER = 'kit';

const adapterFolders = readdirSync(ADAPTERS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== KIT_FOLDER)
  .map((entry) => entry.name)
  .sort();

describe('adapter registry', () => {
  it('has at least the script adapter', () => {
    expect(adapterFolders).toContain('script');
  });

  it.each(adapterFolders)('registers the %s folder under its name, with an index.ts and a README.md', (folder) => {
    expect(adapterRegistry.has(folder), `add ['${folder}', …] to adapters/registry.ts`).toBe(true);
    expect(existsSync(join(ADAPTERS_DIR, folder, 'index.ts'))).toBe(true);
    expect(existsSync(join(ADAPTERS_DIR, folder, 'README.md'))).toBe(true);
  });

  it('keeps the kit out of the registry: it holds the contract and shared helpers, no adapter', () => {
    expect(existsSync(join(ADAPTERS_DIR, KIT_FOLDER, 'contract.ts'))).toBe(true);
    expect(existsSync(join(ADAPTERS_DIR, KIT_FOLDER, 'index.ts'))).toBe(false);
    expect(adapterRegistry.has(KIT_FOLDER)).toBe(false);
  });

  it('registers no kind without a folder of its own', () => {
    expect([...adapterRegistry.keys()].sort()).toEqual(adapterFolders);
  });

  describe.each([...adapterRegistry.entries()])('%s', (kind, adapter: TargetAdapter) => {
    it('has its key as its kind, a description and step defaults', () => {
      expect(adapter.kind).toBe(kind);
      expect(adapter.description.trim()).not.toBe('');
      expect(Number.isInteger(adapter.step.timeoutMs) && adapter.step.timeoutMs > 0).toBe(true);
      expect(Number.isInteger(adapter.step.retries) && adapter.step.retries >= 0).toBe(true);
    });

    it('validates its settings with a zod schema', () => {
      expect(adapter.config).toBeInstanceOf(z.ZodType);
    });

    it('documents every setting in its README', () => {
      const readme = readFileSync(join(ADAPTERS_DIR, kind, 'README.md'), 'utf8');
      const settings = adapter.config instanceof z.ZodObject ? Object.keys(adapter.config.shape) : [];
      for (const setting of settings)
        expect(readme, `README.md does not mention \`${setting}\``).toContain(`\`${setting}\``);
    });
  });
});

describe('createAdapterLookup', () => {
  it('finds registered adapters by kind and lists the kinds in order', () => {
    const lookup = createAdapterLookup();
    expect(lookup.get('script')?.kind).toBe('script');
    expect(lookup.get('no-such-kind')).toBeUndefined();
    expect(lookup.kinds()).toEqual([...adapterRegistry.keys()].sort());
  });

  it('serves the map it is given, for tests with stand-in adapters', () => {
    const script = adapterRegistry.get('script');
    if (script === undefined) throw new Error('the script adapter is not registered');
    const lookup = createAdapterLookup(
      new Map([
        ['zeta', script],
        ['alpha', script],
      ]),
    );
    expect(lookup.kinds()).toEqual(['alpha', 'zeta']);
    expect(lookup.get('script')).toBeUndefined();
  });
});

describe('loading the adapters', () => {
  it('leaves each target’s client library unloaded until a step uses it, so a bot carries only what its pipeline needs', () => {
    // A fresh process: this test file's own imports must not count.
    const script = `
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).map((file) => /node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1]).filter(Boolean);
      const { adapterRegistry } = await import('./adapters/registry.ts');
      const before = new Set(loaded());
      await adapterRegistry.get('sql-migrations').plan({ config: { url: 'postgres://127.0.0.1:1/none', folder: 'nowhere' } }).catch(() => {});
      console.log(JSON.stringify({ before: [...before], after: [...new Set(loaded())] }));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    const { before, after } = JSON.parse(result.stdout) as { before: string[]; after: string[] };
    for (const library of ['pg', 'umzug', 'ssh2', '@aws-sdk/client-lambda', '@kubernetes/client-node'])
      expect(before).not.toContain(library);
    // Loaded when a step needs it.
    expect(after).toContain('pg');
  });
});
