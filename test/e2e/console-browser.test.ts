/**
 * The bundled example in a real browser: alice types /promote in the console
 * page, bob clicks Approve, and the thread fills in with every step.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { consoleClient } from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

let browser: Browser;
let page: Page;
let started: StartedBaton;

beforeAll(async () => {
  browser = await launchChromium();
  started = await startExampleBaton();
  // staging requires the release to have succeeded in dev first.
  await consoleClient(started.baton.url).command('carol', '/promote 2026.11.3 to dev');
  await started.baton.idle();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await started?.stop();
});

it('requests as alice, approves as bob and shows every step in the thread', async () => {
  await page.goto(started.baton.url);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
  await page.getByTestId('user-select').selectOption('alice');

  const input = page.getByTestId('command-input');
  await input.fill('/promote 2026.11.3 to staging');
  await input.press('Enter');
  await page.getByTestId('private-reply').filter({ hasText: 'Planning promotion #2' }).waitFor();

  const plan = page.getByTestId('message').filter({ hasText: 'Promotion #2:' });
  const approve = plan.locator('[data-testid="action-button"][data-action-id="approve"]');
  await approve.waitFor();

  await page.getByTestId('user-select').selectOption('bob');
  await approve.click();
  await page.getByTestId('private-reply').filter({ hasText: 'You approved promotion #2' }).waitFor();

  await expect.poll(() => plan.textContent(), { timeout: 20_000 }).toContain('succeeded');
  await plan.getByTestId('thread-link').click();
  const replies = page.getByTestId('thread-panel').getByTestId('thread-reply');
  await expect
    .poll(async () => (await replies.allTextContents()).join('\n'), { timeout: 10_000 })
    .toContain('Promotion #2 succeeded');
  const thread = (await replies.allTextContents()).join('\n');
  for (const line of [
    'bob approved (1 of 1).',
    'iam 2026.11.3 succeeded.',
    'schema 42 succeeded.',
    'api 1.4.2 succeeded.',
    'worker 1.4.2 succeeded.',
  ]) {
    expect(thread).toContain(line);
  }
  expect(await plan.locator('[data-testid="action-button"]').count()).toBe(0);
});
