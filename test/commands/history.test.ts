/** /promote history pages back through a long history with --before, naming the next page's command. */
import { describe, expect, it } from 'vitest';
import { parseCommand, runCommand } from '../../commands/registry.ts';
import { messagePlainText } from '../../src/chat/message.ts';
import { samplePromotion } from '../engine/contract-suite.ts';
import { coreHarness } from '../support/core-harness.ts';

const PIPELINE = `
version: 1
environments:
  - name: dev
  - name: prod
components:
  api: { adapter: fake }
`;

describe('/promote history', () => {
  it('shows a page at a time, newest first, and says how to ask for the one before', async () => {
    const harness = coreHarness(PIPELINE);
    for (let i = 1; i <= 7; i += 1)
      await harness.runtime.store.createPromotion(
        samplePromotion(String(i), { environment: i % 2 === 0 ? 'dev' : 'prod', state: 'succeeded' }),
      );
    const context = {
      user: 'alice',
      channel: '#deploys',
      promotions: harness.promotions,
      records: harness.runtime.store,
      pipeline: harness.pipeline,
    };
    const page = async (text: string) => {
      const { message } = await runCommand(parseCommand(text), context);
      return `${message.text}\n${messagePlainText(message)}`;
    };

    const first = await page('history prod --limit 2');
    expect(first).toMatch(/#7 .*#5 /s);
    expect(first).not.toContain('#3 ');
    expect(first).toContain('Older: /promote history prod --limit 2 --before 5');
    const second = await page('history prod --limit 2 --before 5');
    expect(second).toMatch(/2 promotions before #5 in prod.*#3 .*#1 /s);
    const last = await page('history prod --limit 2 --before #1');
    expect(last).toMatch(/^No promotions in prod before #1\./);
    // A short page is the last one: no next page is offered.
    expect(await page('history dev --limit 5')).not.toContain('Older:');
  });

  it('refuses a --before that is not a promotion id, with the usage', () => {
    expect(parseCommand('history prod --before 4211')).toEqual({
      name: 'history',
      environment: 'prod',
      limit: 10,
      before: '4211',
    });
    expect(() => parseCommand('history --before yesterday')).toThrow(
      '--before takes a promotion id (the last one of the page before, like 4211), not "yesterday".\nUsage: /promote history [<env>] [--limit N] [--before <id>]',
    );
  });
});
