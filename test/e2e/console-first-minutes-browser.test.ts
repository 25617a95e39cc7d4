/**
 * The console page as a newcomer first sees it, in a real browser: the input
 * suggests a command that works here, a plan reads by wave, private replies
 * fold away once read, and on a narrow screen the channels are in a menu.
 * Screenshots go to $BATON_SCREENSHOT_DIR when it is set.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { consoleClient } from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

let browser: Browser;
let started: StartedBaton;

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.BATON_SCREENSHOT_DIR;
  if (dir) writeFileSync(join(dir, `${name}.png`), await page.screenshot());
}

beforeAll(async () => {
  browser = await launchChromium();
  started = await startExampleBaton();
  // Something in the channel, as there is after the first promotion.
  await consoleClient(started.baton.url).command('carol', '/promote 2026.11.3 to dev');
  await started.baton.idle();
});

afterAll(async () => {
  await browser?.close();
  await started?.stop();
});

it('suggests a working command, shows the plan by wave, and folds private replies after a few seconds', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  try {
    await page.goto(started.baton.url);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
    const input = page.getByTestId('command-input');
    await expect.poll(() => input.getAttribute('placeholder')).toBe('/promote 2026.11.3 to dev');

    await input.fill('/promote 2026.11.3 to staging');
    await input.press('Enter');
    const reply = page.getByTestId('private-reply').filter({ hasText: 'Planning promotion #2' });
    await reply.waitFor();
    expect(await reply.getAttribute('data-folded')).toBeNull();
    const plan = page.getByTestId('message').filter({ hasText: 'Promotion #2:' });
    await plan.locator('.block-list-title').first().waitFor();
    expect(await plan.locator('.block-list-title').allTextContents()).toEqual(['Wave 1', 'Wave 2']);
    expect(await plan.textContent()).not.toMatch(/\b1\. `?iam/);
    await screenshot(page, 'console-plan');

    await expect.poll(() => reply.getAttribute('data-folded'), { timeout: 12_000 }).toBe('true');
    // Folded, the reply is one line that opens again on request.
    expect(await reply.locator('.folded-text').textContent()).toContain('Planning promotion #2');
    await reply.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => reply.getAttribute('data-folded')).toBeNull();
  } finally {
    await page.close();
  }
});

it('offers the channels in a menu below 800 px', async () => {
  const page = await browser.newPage({ viewport: { width: 600, height: 800 } });
  try {
    await page.goto(started.baton.url);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
    const channels = page.getByTestId('channel');
    expect(await channels.first().isVisible()).toBe(false);
    const menu = page.getByTestId('channel-menu');
    expect(await menu.isVisible()).toBe(true);
    await menu.click();
    await channels.filter({ hasText: 'deploys' }).waitFor({ state: 'visible' });
    await screenshot(page, 'console-narrow-menu');
    await channels.filter({ hasText: 'deploys' }).click();
    expect(await page.locator('#channel-name').textContent()).toBe('#deploys');
    expect(await channels.first().isVisible()).toBe(false);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(600);

    // Wide again, the channels are back in the sidebar and the menu is gone.
    await page.setViewportSize({ width: 1000, height: 800 });
    expect(await channels.first().isVisible()).toBe(true);
    expect(await menu.isVisible()).toBe(false);
  } finally {
    await page.close();
  }
});
