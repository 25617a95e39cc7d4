/**
 * The dashboard in a real browser, after promotions, a failure and two
 * rollbacks on the bundled example: the matrix shows what runs where, a
 * component changed behind Baton's back is marked once drift is checked, the
 * DORA tiles show the figures of the history made here, and the list of
 * promotions filters and links to threads and evidence. A name full of HTML
 * is shown as text. Screenshots go to $BATON_SCREENSHOT_DIR when it is set.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { consoleClient, replyText, type ConsoleClient } from '../support/console-client.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const HOUR = 3_600_000;
/** Someone signs in under a name that is markup: the page must show it, not run it. */
const HOSTILE = '<img src=x onerror="window.__xss=1">';

let browser: Browser;
let page: Page;
let started: StartedBaton;
let chat: ConsoleClient;
const ids: Record<string, string> = {};

async function promote(user: string, text: string): Promise<string> {
  const reply = replyText(await chat.command(user, text));
  const id = /promotion #(\d+)/.exec(reply)?.[1];
  if (!id) throw new Error(`no promotion was created: ${reply}`);
  await started.baton.idle();
  return id;
}

async function approve(id: string): Promise<void> {
  await chat.click('bob', 'approve', id);
  await started.baton.idle();
}

async function rollBack(id: string): Promise<void> {
  expect(replyText(await chat.click('bob', 'rollback', id))).toContain(`Rolling back promotion #${id}`);
  await started.baton.idle();
}

async function screenshot(name: string): Promise<void> {
  const dir = process.env.BATON_SCREENSHOT_DIR;
  if (dir) writeFileSync(join(dir, `${name}.png`), await page.screenshot({ fullPage: true }));
}

/**
 * The promotion ids of the list's rows, top to bottom, read in one go: the
 * list re-renders as filters apply, and a row read one at a time may be gone.
 */
async function rowIds(): Promise<(string | null)[]> {
  return page.getByTestId('promotion-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
}

function cell(environment: string, component: string) {
  return page.locator(`[data-testid="matrix-cell"][data-environment="${environment}"][data-component="${component}"]`);
}

beforeAll(async () => {
  browser = await launchChromium();
  started = await startExampleBaton();
  chat = consoleClient(started.baton.url);
  const { clock } = started;
  ids.dev = await promote('carol', '/promote 2026.11.3 to dev');
  ids.staging = await promote('alice', '/promote 2026.11.3 to staging');
  clock.advance(2 * HOUR);
  await approve(ids.staging);
  await promote('carol', '/promote api=1.4.3 to dev');
  ids.revertedApi = await promote('alice', '/promote api=1.4.3 to staging');
  clock.advance(HOUR);
  await approve(ids.revertedApi);
  clock.advance(HOUR / 2);
  await rollBack(ids.revertedApi);
  ids.broken = await promote('carol', '/promote 2026.11.4-broken to dev');
  await rollBack(ids.broken);
  await promote(HOSTILE, '/promote api=1.4.4 to dev');
  ids.fixed = await promote('alice', '/promote api=1.4.4 to staging');
  clock.advance(HOUR / 2);
  await approve(ids.fixed);
  // Someone deploys a hotfix of the worker by hand on staging's host.
  writeFileSync(
    join(started.dataDir, 'work', 'worker', 'staging.json'),
    `${JSON.stringify({ version: '1.4.2-hotfix' })}\n`,
  );
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
}, 120_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await started?.stop();
});

it('shows what runs where, marks the drifted worker once checked, and the DORA figures of staging', async () => {
  await page.goto(`${started.baton.url}/dashboard`);
  await cell('staging', 'api').getByTestId('cell-version').waitFor();

  expect(await cell('staging', 'api').getByTestId('cell-version').textContent()).toBe('1.4.4');
  expect(await cell('staging', 'api').textContent()).toContain(`#${ids.fixed} by alice`);
  expect(await cell('staging', 'worker').getByTestId('cell-version').textContent()).toBe('1.4.2');
  expect(await cell('staging', 'worker').textContent()).toContain(`#${ids.staging} by alice`);
  expect(await cell('dev', 'worker').getByTestId('cell-version').textContent()).toBe('1.4.2');
  expect(await cell('dev', 'schema').getByTestId('cell-version').textContent()).toBe('42');
  expect(await cell('production', 'api').textContent()).toContain('nothing yet');
  // The name is text on the page, never markup.
  expect(await cell('dev', 'api').textContent()).toContain(`by ${HOSTILE}`);
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  expect(await page.locator('.matrix img').count()).toBe(0);

  // Loading the page read no target: drift is read when someone asks.
  expect(await cell('staging', 'worker').getAttribute('data-drift')).toBe('unchecked');
  await page.locator('[data-testid="check-drift"][data-environment="staging"]').click();
  await expect.poll(() => cell('staging', 'worker').getAttribute('data-drift'), { timeout: 30_000 }).toBe('drifted');
  expect(await cell('staging', 'worker').getByTestId('drift-mark').textContent()).toBe(
    'Drift: the target runs 1.4.2-hotfix',
  );
  expect(await cell('staging', 'api').getAttribute('data-drift')).toBe('same');
  expect(await page.locator('[data-environment="staging"] [data-testid="drift-checked-at"]').textContent()).toMatch(
    /^checked \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
  );

  await page.getByTestId('dora-environment').selectOption('staging');
  const tile = (name: string) => page.getByTestId(`dora-${name}-value`);
  await expect.poll(() => tile('deployments').textContent()).toBe('2 deployments');
  // Lead time: 2026.11.3's four versions took 2h from dev to staging, api 1.4.4 took 30m; the median is 2h.
  expect(await tile('lead-time').textContent()).toBe('2h');
  // One of three finished promotions into staging was rolled back; staging was restored 30m later.
  expect(await tile('failure-rate').textContent()).toBe('33%');
  expect(await tile('restore').textContent()).toBe('30m');
  expect(await page.getByTestId('dora-tiles').locator('svg.sparkline').count()).toBe(4);
  await screenshot('dashboard-wide');
}, 60_000);

it('filters recent promotions by environment, state and person, and links each to its thread and evidence', async () => {
  await page.goto(`${started.baton.url}/dashboard`);
  const rows = page.getByTestId('promotion-row');
  await expect.poll(() => rows.count()).toBe(7);

  await page.getByTestId('filter-state').selectOption('rolled_back');
  await expect.poll(() => rowIds()).toEqual([ids.broken, ids.revertedApi]);
  await page.getByTestId('filter-environment').selectOption('dev');
  await expect.poll(() => rowIds()).toEqual([ids.broken]);
  await page.getByTestId('filter-state').selectOption('');
  await page.getByTestId('filter-environment').selectOption('');
  await page.getByTestId('filter-person').fill(HOSTILE);
  await expect.poll(() => rows.count()).toBe(1);
  await page.getByTestId('filter-person').fill('nobody-at-all');
  await expect.poll(() => page.getByTestId('promotions').textContent()).toContain('No promotion matches.');
  await page.getByTestId('filter-person').fill('');
  await expect.poll(() => rows.count()).toBe(7);

  const fixed = rows.filter({ has: page.locator(`td:text-is("#${ids.fixed}")`) });
  expect(await fixed.getByTestId('evidence-link').getAttribute('href')).toBe(
    `/api/promotions/evidence?id=${ids.fixed}&format=md`,
  );
  await fixed.getByTestId('thread-link').click();
  await page.getByTestId('thread-panel').waitFor();
  await expect
    .poll(() => page.getByTestId('thread-panel').textContent(), { timeout: 10_000 })
    .toContain(`Promotion #${ids.fixed} succeeded`);
}, 60_000);

it('fits a phone-sized screen', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  try {
    await phone.goto(`${started.baton.url}/dashboard`);
    await phone.locator('[data-testid="matrix-cell"]').first().waitFor();
    // The page scrolls down, not sideways: wide tables scroll inside their panel.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    if (process.env.BATON_SCREENSHOT_DIR)
      writeFileSync(
        join(process.env.BATON_SCREENSHOT_DIR, 'dashboard-phone.png'),
        await phone.screenshot({ fullPage: true }),
      );
  } finally {
    await phone.close();
  }
});
