/**
 * Drives the console page in a real browser (Debian's Chromium) against the
 * real server and the fake handler: request as one user, approve as another,
 * watch the thread fill in live, reject with a reason.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { textMessage } from '../../../src/chat/message.ts';
import { launchChromium } from '../../support/chromium.ts';
import { startConsole } from './start-console.ts';
import type { RunningConsole } from './start-console.ts';

const screenshotPath = '/tmp/console.png';

let browser: Browser;
let running: RunningConsole;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  running = await startConsole({ handler: { stepDelayMs: 150 } });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await running?.stop();
});

async function sendCommand(text: string): Promise<void> {
  const input = page.getByTestId('command-input');
  await input.fill(text);
  await input.press('Enter');
}

it('requests as alice, approves as bob, follows the thread and rejects with a reason', async () => {
  await page.goto(running.url);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
  expect(await page.getByTestId('user-select').inputValue()).toBe('alice');

  await sendCommand('/promote 1.4.2 to staging');
  const plan = page.getByTestId('message').filter({ hasText: 'Promotion #1: 1.4.2 → staging' });
  await plan.waitFor();
  const planned = page.getByTestId('private-reply').filter({ hasText: 'Planned promotion #1' });
  await planned.waitFor();
  expect(await planned.textContent()).toContain('Only visible to you');
  expect(running.handler.commands).toEqual([{ user: 'alice', channel: '#baton', text: '1.4.2 to staging' }]);

  await page.getByTestId('user-select').selectOption('bob');
  await planned.waitFor({ state: 'detached' });
  await plan.locator('[data-testid="action-button"][data-action-id="approve"]').click();
  await page.getByTestId('private-reply').filter({ hasText: 'You approved promotion #1.' }).waitFor();
  expect(running.handler.actions[0]).toEqual({ user: 'bob', channel: '#baton', actionId: 'approve', value: '1' });

  await plan.getByTestId('thread-link').click();
  const thread = page.getByTestId('thread-panel');
  await thread.waitFor();
  const replies = thread.getByTestId('thread-reply');
  await expect.poll(() => replies.count()).toBe(4);
  expect(await replies.allTextContents()).toEqual([
    expect.stringContaining('Approved by bob'),
    expect.stringContaining('iam → 1.4.2'),
    expect.stringContaining('schema → 1.4.2'),
    expect.stringContaining('api → 1.4.2'),
  ]);
  await expect.poll(() => plan.getByTestId('action-button').count()).toBe(0);
  expect(await plan.textContent()).toContain('4 replies');

  await page.getByTestId('user-select').selectOption('carol');
  await sendCommand('/promote 1.4.3 to staging');
  const second = page.getByTestId('message').filter({ hasText: 'Promotion #2: 1.4.3 → staging' });
  const reject = second.locator('[data-testid="action-button"][data-action-id="reject"]');
  const dialog = page.getByTestId('reason-dialog');

  await reject.click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  expect(running.handler.actions).toHaveLength(1);

  await reject.click();
  expect(await page.getByTestId('reason-submit').isDisabled()).toBe(true);
  await page.getByTestId('reason-input').fill('smoke tests fail on staging');
  await page.getByTestId('reason-submit').click();
  await dialog.waitFor({ state: 'hidden' });
  await expect.poll(() => running.handler.actions.length).toBe(2);
  expect(running.handler.actions[1]).toEqual({
    user: 'carol',
    channel: '#baton',
    actionId: 'reject',
    value: '2',
    reason: 'smoke tests fail on staging',
  });
  await second.getByText('1 reply').waitFor();

  await replies.last().locator('summary').click();
  await page.screenshot({ path: screenshotPath });
  expect(pageErrors).toEqual([]);
});

it('shows message text as text, never as markup', async () => {
  await running.chat.post('#baton', textMessage('<img src=x onerror="document.title=1"> and *bold* `code`'));

  const message = page.getByTestId('message').filter({ hasText: '<img src=x' });
  await message.waitFor();
  expect(await message.locator('img').count()).toBe(0);
  expect(await message.locator('strong').textContent()).toBe('bold');
  expect(await message.locator('.block-text code').textContent()).toBe('code');
  expect(await page.title()).toBe('Baton console');
});

it('remembers the chosen user and accepts a name typed under "other…"', async () => {
  await page.getByTestId('user-select').selectOption('__other__');
  await page.locator('#user-input').fill('dave');
  await page.getByRole('button', { name: 'Use this name' }).click();
  expect(await page.getByTestId('user-select').inputValue()).toBe('dave');

  await page.reload();
  expect(await page.getByTestId('user-select').inputValue()).toBe('dave');
});

it('shows a channel that receives messages in the channel list', async () => {
  await running.chat.post('#deploys', textMessage('deployed elsewhere'));

  const channel = page.locator('[data-testid="channel"][data-channel="#deploys"]');
  await channel.waitFor();
  await channel.click();
  await page.getByTestId('message').filter({ hasText: 'deployed elsewhere' }).waitFor();
  expect(await page.getByTestId('message').count()).toBe(1);
});

it('reconnects when the event stream drops and catches up', async () => {
  await running.chat.stop();
  await running.chat.start(running.handler);
  await running.chat.post('#deploys', textMessage('posted while the page was away'));

  await page.getByTestId('message').filter({ hasText: 'posted while the page was away' }).waitFor();
  expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('live');
});
