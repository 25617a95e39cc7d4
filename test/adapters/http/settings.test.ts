/** The `with:` block of an http component: what is accepted, the defaults, and what people are told when it is wrong. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { httpAdapter } from '../../../adapters/http/index.ts';
import type { TargetAdapter } from '../../../adapters/kit/contract.ts';
import { createAdapterLookup } from '../../../adapters/registry.ts';
import { resolveTemplates } from '../../../src/core/templates.ts';
import { parsePipeline } from '../../../src/config-loader/load.ts';

const README = readFileSync(new URL('../../../adapters/http/README.md', import.meta.url), 'utf8');

function problems(input: unknown): string {
  const result = httpAdapter.config.safeParse(input);
  return result.success ? '' : z.prettifyError(result.error);
}

/** The ```yaml blocks of the README that configure http components. */
function readmeComponentBlocks(): string[] {
  return [...README.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((block) => block.includes('adapter: http'));
}

function readmeExamples(): unknown[] {
  return readmeComponentBlocks()
    .map((block) => parse(block) as { components?: Record<string, { adapter?: string; with?: unknown }> })
    .flatMap((document) => Object.values(document.components ?? {}))
    .filter((component) => component.adapter === 'http')
    .map((component) => component.with);
}

describe('http settings', () => {
  it('accepts every example in the README', () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) expect(problems(example)).toBe('');
  });

  it("loads the README's examples through Baton's config loader; $${…} reaches the adapter as ${trigger.…}", () => {
    const adapters = createAdapterLookup(new Map([['http', httpAdapter as TargetAdapter]]));
    const pollUrls = readmeComponentBlocks().flatMap((block) => {
      const pipeline = parsePipeline(`version: 1\nenvironments:\n  - name: dev\n${block}`, 'baton.yaml', { adapters });
      return pipeline.components.map((component) => {
        // What the core hands the adapter before a step: every placeholder of its own filled in.
        const resolved = httpAdapter.config.parse(resolveTemplates(component.with, () => 'filled'));
        return resolved.poll?.url;
      });
    });
    expect(pollUrls).toEqual([
      '${trigger.headers.location}',
      '${trigger.body.run_url}',
      '${trigger.headers.location}api/json',
    ]);
  });

  it('fills in the documented defaults, and reading its own result again changes nothing', () => {
    const parsed = httpAdapter.config.parse({
      trigger: { url: 'https://ci.example/hook', hmac: { secret: 's3cret' } },
      poll: { url: '${trigger.headers.location}', success: { jsonPath: '$.status', equals: 'done' } },
    });
    expect(parsed.trigger).toEqual({
      url: 'https://ci.example/hook',
      method: 'POST',
      headers: {},
      hmac: { secret: 's3cret', header: 'X-Hub-Signature-256', algorithm: 'sha256' },
      expectStatus: ['2xx'],
    });
    expect(parsed.poll).toMatchObject({ interval: '5s', timeout: '30m', headers: {} });
    expect(httpAdapter.config.parse(parsed)).toEqual(parsed);
  });

  it('takes URLs with placeholders as written, since they are filled in later', () => {
    expect(problems({ trigger: { url: '${secret:CI_URL}/job/deploy' } })).toBe('');
    expect(problems({ trigger: { url: 'ci.example/job/deploy' } })).toContain('must be an http:// or https:// URL');
  });

  it('names what is wrong in a condition', () => {
    const poll = (success: unknown) => ({
      trigger: { url: 'https://ci.example/x' },
      poll: { url: 'https://ci.example/run', success },
    });
    expect(problems(poll({ jsonPath: '$.status' }))).toContain('`success` needs one of `equals`, `in` or `matches`');
    expect(problems(poll({ jsonPath: '$.status', equals: 'a', in: ['b'] }))).toContain('not `equals` and `in`');
    expect(problems(poll({ jsonPath: 'status', equals: 'a' }))).toContain('it must start with $');
    expect(problems(poll({ jsonPath: '$.status', matches: '(' }))).toContain(
      '`matches` is not a valid regular expression',
    );
  });

  it('refuses settings that would break a promise the adapter makes', () => {
    const text = problems({
      trigger: { url: 'https://ci.example/x', method: 'GET', body: { a: 1 }, headers: { 'idempotency-key': 'mine' } },
    });
    expect(text).toContain('Idempotency-Key is set by Baton itself');
    expect(problems({ trigger: { url: 'https://ci.example/x', method: 'GET', body: { a: 1 } } })).toContain(
      'a GET request cannot have a body',
    );
    expect(
      problems({
        trigger: { url: 'https://ci.example/x' },
        poll: { url: 'https://ci.example/r', interval: '10ms', success: { jsonPath: '$', equals: 1 } },
      }),
    ).toContain('wait at least 100ms between requests');
  });

  it('explains bad values in words', () => {
    const text = problems({
      trigger: { url: 'https://ci.example/x', method: 'FETCH', expectStatus: [201, '7xx'], headers: { Retries: 3 } },
      outputs: { 'run url': '$.html_url', id: 'id' },
    });
    expect(text).toContain('`method` must be one of GET, POST, PUT, PATCH, DELETE');
    expect(text).toContain('"7xx" is not a status code');
    expect(text).toContain('header values must be strings (quote numbers in YAML)');
    expect(text).toContain('output names use letters, digits, _ and -');
    expect(text).toContain('"id" is not a JSON path');
  });

  it('has the documented step defaults', () => {
    expect(httpAdapter.step).toEqual({ timeoutMs: 35 * 60_000, retries: 3 });
  });
});
