/** /promote dora in chat and GET /api/dora: the figures as a person and a script read them, and what bad input is told. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand, runCommand } from '../../commands/registry.ts';
import { EVIDENCE_TOKEN, METRICS_TOKEN, RELEASES_TOKEN } from '../support/api-tokens.ts';
import { consoleClient, replyText } from '../support/console-client.ts';
import { coreHarness } from '../support/core-harness.ts';
import { parseSamples, sampleValue } from '../support/metrics-text.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const PIPELINE = `
version: 1
environments:
  - name: dev
  - name: prod
components:
  api: { adapter: fake, with: { failOn: "2" } }
`;

describe('/promote dora', () => {
  it('shows the four figures of the last environment by default, from promotions that succeeded and failed', async () => {
    const harness = coreHarness(PIPELINE);
    const context = {
      user: 'carol',
      channel: '#deploys',
      promotions: harness.promotions,
      records: harness.runtime.store,
      pipeline: harness.pipeline,
    };
    const promote = async (version: string, environment: string) => {
      await harness.promotions.request({
        release: { name: `api ${version}`, versions: { api: version } },
        environment,
        requestedBy: 'alice',
      });
      await harness.settle();
    };
    await promote('1', 'dev');
    harness.clock.advance(3_600_000);
    await promote('1', 'prod');
    await promote('2', 'dev');
    await promote('2', 'prod');
    harness.clock.advance(2 * 3_600_000);
    await promote('3', 'dev');
    await promote('3', 'prod');

    const text = replyText(await runCommand(parseCommand('dora'), context));
    expect(text).toContain('DORA figures for prod, last 30 days');
    expect(text).toContain('Deployment frequency: 0.07 a day (2 promotions succeeded in prod)');
    // api 1 took an hour from dev to prod, api 3 no time at all (api 2 never reached prod).
    expect(text).toMatch(
      /Lead time for changes: 30m(\ds)? \(median over 2 component versions, from its first request into dev to its success in prod\)/,
    );
    expect(text).toContain('Change failure rate: 33% (1 of 3 promotions failed, were interrupted or were rolled back)');
    expect(text).toMatch(/Time to restore: 2h(\ds)? \(median over 1 failure, each to the next success\)/);
    expect(text).toContain('GET /api/dora?environment=prod&days=30');

    const week = replyText(await runCommand(parseCommand('dora dev --days 7'), context));
    expect(week).toContain('DORA figures for dev, last 7 days');
    // api 2 failed in dev too, so it never went on to prod.
    expect(week).toContain('Deployment frequency: 0.29 a day (2 promotions succeeded in dev)');
    expect(week).toContain(
      'Lead time for changes: 0s (median over 2 component versions, from its first request into dev to its success in dev)',
    );
    expect(week).toMatch(/Time to restore: 2h(\ds)? \(median over 1 failure/);
    const none = replyText(
      await runCommand(parseCommand('dora prod --days 1'), {
        ...context,
        promotions: coreHarness(PIPELINE).promotions,
      }),
    );
    expect(none).toContain('Deployment frequency: 0.00 a day (0 promotions succeeded in prod)');
    expect(none).toContain('Lead time for changes: no component version reached prod in these days');
    expect(none).toContain('Change failure rate: no promotion ran in prod in these days');
    expect(none).toContain('Time to restore: no failure in prod in these days');
  });

  it('refuses bad input with the usage, and names the environments for an unknown one', async () => {
    for (const [text, message] of [
      ['dora --days 0', '--days takes a whole number from 1 to 365, not "0".'],
      ['dora --days 1.5', '--days takes a whole number from 1 to 365, not "1.5".'],
      [
        'dora --days 9999999999999999999999999999999',
        '--days takes a whole number from 1 to 365, not "9999999999999999999999999999999".',
      ],
      ['dora --days', '--days needs a value.'],
      ['dora prod dev', 'Unexpected "dev".'],
      ['dora --weeks 2', 'Unknown option "--weeks" (this command takes --days).'],
    ] as const) {
      expect(() => parseCommand(text)).toThrow(`${message}\nUsage: /promote dora [<env>] [--days N]`);
    }
    const harness = coreHarness(PIPELINE);
    const context = {
      user: 'carol',
      channel: '#deploys',
      promotions: harness.promotions,
      records: harness.runtime.store,
      pipeline: harness.pipeline,
    };
    await expect(runCommand(parseCommand('dora nowhere'), context)).rejects.toThrow(
      'There is no environment "nowhere". Environments: dev, prod.',
    );
    expect(replyText(await runCommand(parseCommand('help'), context))).toContain('/promote dora [<env>] [--days N]');
  });
});

describe('GET /api/dora', () => {
  let started: StartedBaton | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  it('answers a metrics or evidence token with the figures, refuses others, and says what is wrong with a query', async () => {
    started = await startExampleBaton();
    const chat = consoleClient(started.baton.url);
    await chat.command('alice', '/promote 2026.11.3 to dev');
    await chat.command('alice', '/promote 2026.11.4-broken to dev');
    await started.baton.idle();
    const get = (query: string, token?: string) =>
      fetch(`${started?.baton.url}/api/dora${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

    const answer = await get('?environment=dev&days=7', METRICS_TOKEN);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      environment: 'dev',
      firstEnvironment: 'dev',
      days: 7,
      deployments: 1,
      finished: 2,
      failures: 1,
      changeFailureRate: 0.5,
      restored: 0,
      unrestored: 1,
    });
    const byDefault = await get('', EVIDENCE_TOKEN);
    expect(await byDefault.json()).toMatchObject({
      environment: 'production',
      days: 30,
      deployments: 0,
      changeFailureRate: null,
    });

    expect((await get('?environment=dev')).status).toBe(401);
    expect((await get('?environment=dev', RELEASES_TOKEN)).status).toBe(403);
    const badDays = await get('?days=seven', METRICS_TOKEN);
    expect(badDays.status).toBe(400);
    expect(await badDays.json()).toEqual({ error: 'days must be a whole number from 1 to 365 (the default is 30).' });
    const unknown = await get('?environment=qa', METRICS_TOKEN);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: 'There is no environment "qa". Environments: dev, staging, production.',
    });

    const samples = parseSamples(
      await (
        await fetch(`${started.baton.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      ).text(),
    );
    expect(sampleValue(samples, 'baton_dora_deployments_per_day', { environment: 'dev' })).toBeCloseTo(1 / 30, 10);
    expect(sampleValue(samples, 'baton_dora_change_failure_ratio', { environment: 'dev' })).toBe(0.5);
    expect(sampleValue(samples, 'baton_dora_lead_time_seconds', { environment: 'dev' })).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'baton_dora_time_to_restore_seconds')).toBe(false);
    expect(
      samples.some((s) => s.name === 'baton_dora_change_failure_ratio' && s.labels.environment === 'production'),
    ).toBe(false);
  });
});
