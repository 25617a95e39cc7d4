import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pipelineJsonSchema } from '../../src/config-loader/json-schema.ts';

describe('config/baton.schema.json', () => {
  it('is what the config schema generates', async () => {
    const committed = await readFile(new URL('../../config/baton.schema.json', import.meta.url), 'utf8');
    expect(committed, 'config/baton.schema.json is stale: run `npx tsx scripts/write-config-schema.ts`').toBe(
      `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`,
    );
  });

  it('describes the top-level keys and forbids unknown ones', () => {
    const schema = pipelineJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(schema.required).toEqual(['version', 'environments', 'components']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual([
      'version',
      'groups',
      'releases',
      'retention',
      'environments',
      'components',
    ]);
  });
});
