/**
 * Every change to a promotion goes through the transition gate: a module of
 * the core that wrote a promotion (or the ledger, or a verified mark) any
 * other way would slip past the state machine and the atomic write.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '../../src/core');
const GATE = 'gate.ts';
/** Every way a store changes a promotion, its ledger or its verified versions. */
const WRITES = /\.\s*(transitionPromotion|createPromotion|updatePromotion|setLedgerEntry|markVerified)\s*\(/;

function writersIn(files: { name: string; text: string }[]): string[] {
  return files.filter((file) => file.name !== GATE && WRITES.test(file.text)).map((file) => file.name);
}

describe('the transition gate', () => {
  it('is the only module of the core that writes a promotion', () => {
    const files = readdirSync(CORE)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => ({ name, text: readFileSync(join(CORE, name), 'utf8') }));
    expect(files.map((f) => f.name)).toContain(GATE);
    expect(writersIn(files)).toEqual([]);
  });

  it('would catch a module that wrote around it', () => {
    const planted = {
      name: 'planted.ts',
      text: 'await runtime.store.transitionPromotion(id, (p) => ({ promotion: { ...p, state: "running" }, records: [] }));',
    };
    expect(writersIn([planted])).toEqual(['planted.ts']);
  });
});
