/**
 * Block Kit rendering keeps inside Slack's limits whatever the promotion:
 * 300 steps, long diffs, text that looks like Slack markup.
 */
import { describe, expect, it } from 'vitest';
import type { Environment, Step } from '../../../src/core/model.ts';
import { renderPromotion } from '../../../src/chat/render/promotion-message.ts';
import { renderBlockKit } from '../../../src/chat/slack/block-kit.ts';
import { channelText, textMessage } from '../../../src/chat/message.ts';
import { samplePromotion } from '../../engine/contract-suite.ts';

const staging: Environment = {
  name: 'staging',
  channel: '#deploys',
  requires: [],
  soakMs: 0,
  windows: [],
  freeze: false,
  requesters: [],
  approvals: { required: 2, from: ['@release-managers'], allowSelfApproval: false },
} as unknown as Environment;

function step(index: number, detail = ''): Step {
  return {
    id: `p1.component-${index}`,
    component: `component-${index}`,
    adapter: 'kubernetes',
    version: '2026.11.5',
    previousVersion: '2026.11.4',
    needs: [],
    wave: 0,
    preview: {
      summary: `image ghcr.io/acme/component-${index}:2026.11.5`,
      details: detail ? [detail] : [],
      reversible: index % 3 !== 0,
      changes: true,
    },
    status: 'pending',
    attempts: 0,
    outputs: {},
    log: [],
  };
}

function sectionTexts(blocks: ReturnType<typeof renderBlockKit>['blocks']): string[] {
  return blocks.flatMap((block) => {
    if (block.type !== 'section') return [];
    return [block.text?.text ?? '', ...(block.fields ?? []).map((f) => f.text)];
  });
}

describe('Block Kit rendering', () => {
  it('renders a plan with its policy, steps marked reversible or not, and Approve / Reject buttons', () => {
    const promotion = samplePromotion('7', {
      environment: 'staging',
      steps: [step(1), step(3)],
      waves: [['component-1', 'component-3']],
    });
    const rendered = renderBlockKit(renderPromotion(promotion, staging));

    expect(rendered.overflow).toBeUndefined();
    expect(rendered.blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: expect.stringContaining('Promotion #7') },
    });
    const texts = sectionTexts(rendered.blocks).join('\n');
    expect(texts).toContain('*Approvals*\n0 of 2 from @release-managers');
    expect(texts).toMatch(/`component-1` 2026\.11\.4 → 2026\.11\.5 \(kubernetes, reversible\)/);
    expect(texts).toMatch(/`component-3` .*\*irreversible\*/);
    const actions = rendered.blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        { action_id: 'approve', value: '7', style: 'primary' },
        { action_id: 'reject', value: '7', style: 'danger' },
      ],
    });
  });

  it('posts a 300-step plan within 50 blocks, keeping the buttons, and hands back the full text', () => {
    const steps = Array.from({ length: 300 }, (_, i) => step(i + 1, `- image: old\n+ image: new ${'x'.repeat(1000)}`));
    const promotion = samplePromotion('8', { environment: 'staging', steps, waves: [steps.map((s) => s.component)] });
    const rendered = renderBlockKit(renderPromotion(promotion, staging));

    expect(rendered.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(rendered.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    expect(rendered.blocks.at(-1)).toMatchObject({ type: 'actions' });
    const note = rendered.blocks.find((b) => b.type === 'context' && JSON.stringify(b).includes('of 300 lines'));
    expect(note).toBeDefined();
    for (let i = 1; i <= 300; i += 1) expect(rendered.overflow).toContain(`\`component-${i}\``);
    expect(rendered.overflow).toContain('+ image: new');
  });

  it("keeps a plan of 120 waves within 50 blocks and Slack's text limits", () => {
    const steps = Array.from({ length: 120 }, (_, i) => ({ ...step(i + 1), wave: i }));
    const promotion = samplePromotion('8', { environment: 'staging', steps, waves: steps.map((s) => [s.component]) });
    const rendered = renderBlockKit(renderPromotion(promotion, staging));
    expect(rendered.blocks.length).toBeLessThanOrEqual(50);
    for (const text of sectionTexts(rendered.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    expect(rendered.blocks.at(-1)).toMatchObject({ type: 'actions' });
    expect(rendered.overflow).toContain('Wave 120');
  });

  it('keeps a message of many parts without a list within 50 blocks, and hands back the whole of it', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => ({ type: 'text' as const, text: `record ${i + 1}` }));
    const rendered = renderBlockKit({ text: 'sixty records', tone: 'neutral', blocks });
    expect(rendered.blocks).toHaveLength(50);
    expect(JSON.stringify(rendered.blocks.at(-1))).toContain(
      'Showing 49 of 60 parts; the full text is attached in the thread.',
    );
    expect(rendered.overflow).toContain('record 60');
  });

  it('escapes Slack control characters and turns user ids into mentions', () => {
    const rendered = renderBlockKit(textMessage('UALICE0001 approved <!channel> & left'));
    expect(sectionTexts(rendered.blocks)).toEqual(['<@UALICE0001> approved &lt;!channel&gt; &amp; left']);
  });

  it('links a channel Baton names by its id, and leaves a channel name as it is', () => {
    const rendered = renderBlockKit(
      textMessage(`Baton cannot post to ${channelText('C0DEPLOYS1')} or ${channelText('#ops')}`),
    );
    expect(sectionTexts(rendered.blocks)).toEqual(['Baton cannot post to <#C0DEPLOYS1> or #ops']);
    const words = 'see Runbook#CONFIGURATION and https://wiki.example/page#CHANGELOG2';
    expect(sectionTexts(renderBlockKit(textMessage(words)).blocks)).toEqual([words]);
  });

  it("shows instants in each reader's time zone, with the UTC text as fallback", () => {
    const rendered = renderBlockKit(textMessage('approved at 2026-11-29T17:35:33.807Z'));
    expect(sectionTexts(rendered.blocks)).toEqual([
      'approved at <!date^1795973733^{date_short_pretty} {time_secs}|2026-11-29T17:35:33.807Z>',
    ]);
  });

  it('shows the moments messages name ("2026-11-29 17:35 UTC") in each reader\'s time zone too', () => {
    const rendered = renderBlockKit(textMessage('frozen since 2026-11-29 17:35 UTC by carol'));
    expect(sectionTexts(rendered.blocks)).toEqual([
      'frozen since <!date^1795973700^{date_short_pretty} {time}|2026-11-29 17:35 UTC> by carol',
    ]);
  });

  it('heads each wave of a plan with its name, inside the section it starts', () => {
    const steps = [step(1), { ...step(2), wave: 1 }];
    const rendered = renderBlockKit(
      renderPromotion(
        samplePromotion('9', { environment: 'staging', steps, waves: [['component-1'], ['component-2']] }),
        staging,
      ),
    );
    const lists = sectionTexts(rendered.blocks).filter((text) => text.startsWith('*Wave'));
    expect(lists.map((text) => text.split('\n')[0])).toEqual(['*Wave 1*', '*Wave 2*']);
    expect(lists[1]).toContain('`component-2` 2026.11.4 → 2026.11.5');
    expect(rendered.overflow).toBeUndefined();
  });

  it('cuts an oversized text to Slack’s limit and hands back the whole of it', () => {
    const long = 'a'.repeat(5000);
    const rendered = renderBlockKit(textMessage(long));
    expect(sectionTexts(rendered.blocks)[0]?.length).toBe(3000);
    expect(rendered.overflow).toBe(long);
  });
});
