/**
 * /metrics after real promotions on the bundled example: every Baton figure
 * under its Prometheus name with its labels, the process metrics beside them,
 * the metrics:read scope enforced on the main port, and the listener of its
 * own (--metrics-port) open without a token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_STREAM } from '../../src/core/audit.ts';
import { ChatRateLimitedError } from '../../src/errors.ts';
import { BatonMetrics } from '../../src/metrics/baton-metrics.ts';
import { countedChat } from '../../src/metrics/counted-chat.ts';
import { EVIDENCE_TOKEN, METRICS_TOKEN } from '../support/api-tokens.ts';
import { buttonsOf, consoleClient, replyText } from '../support/console-client.ts';
import { metricTypes, parseSamples, sampleValue, type Sample } from '../support/metrics-text.ts';
import { startExampleBaton, type StartedBaton } from '../support/start-example.ts';

const running: StartedBaton[] = [];

async function start(options: Parameters<typeof startExampleBaton>[2] = {}): Promise<StartedBaton> {
  const started = await startExampleBaton(undefined, undefined, options);
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function scrape(url: string, token?: string): Promise<{ status: number; text: string; contentType: string }> {
  const response = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get('content-type') ?? '',
  };
}

async function promoteToStaging(started: StartedBaton): Promise<void> {
  const chat = consoleClient(started.baton.url);
  await chat.command('alice', '/promote 2026.11.3 to dev');
  await started.baton.idle();
  const request = await chat.command('alice', '/promote 2026.11.3 to staging');
  const id = /promotion #(\d+)/.exec(replyText(request))?.[1] ?? '';
  await started.baton.idle();
  const plan = await chat.promotionMessage(id);
  expect(buttonsOf(plan.message).some((b) => b.actionId === 'approve')).toBe(true);
  await chat.click('bob', 'approve', id);
  await started.baton.idle();
}

describe('/metrics', () => {
  it('exposes promotions, step durations, approval waits, lock holds, queues and outbox lag with their labels after promotions', async () => {
    const started = await start();
    await promoteToStaging(started);
    const scraped = await scrape(started.baton.url, METRICS_TOKEN);
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toContain('text/plain');
    const samples: Sample[] = parseSamples(scraped.text);
    const types = metricTypes(scraped.text);

    expect(types.get('baton_promotions')).toBe('gauge');
    expect(sampleValue(samples, 'baton_promotions', { environment: 'dev', state: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'baton_promotions', { environment: 'staging', state: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'baton_promotions', { environment: 'production', state: 'succeeded' })).toBe(0);
    expect(sampleValue(samples, 'baton_promotions', { environment: 'dev', state: 'failed' })).toBe(0);

    // Four components, each a script step, in two promotions.
    expect(types.get('baton_step_duration_seconds')).toBe('histogram');
    expect(sampleValue(samples, 'baton_step_duration_seconds_count', { adapter: 'script', outcome: 'succeeded' })).toBe(
      8,
    );
    expect(
      sampleValue(samples, 'baton_step_duration_seconds_sum', { adapter: 'script', outcome: 'succeeded' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(samples, 'baton_step_duration_seconds_bucket', {
        adapter: 'script',
        outcome: 'succeeded',
        le: '+Inf',
      }),
    ).toBe(8);

    // dev needs no approval, so only staging waited.
    expect(
      sampleValue(samples, 'baton_approval_wait_seconds_count', { environment: 'staging', outcome: 'approved' }),
    ).toBe(1);
    expect(samples.some((s) => s.name === 'baton_approval_wait_seconds_count' && s.labels.environment === 'dev')).toBe(
      false,
    );

    expect(
      sampleValue(samples, 'baton_environment_lock_held_seconds_count', { environment: 'dev' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(samples, 'baton_environment_lock_held_seconds_count', { environment: 'staging' }),
    ).toBeGreaterThanOrEqual(1);

    expect(sampleValue(samples, 'baton_queue_wait_seconds_count', { queue: 'jobs' })).toBeGreaterThanOrEqual(10);
    expect(sampleValue(samples, 'baton_queue_wait_seconds_count', { queue: 'outbox' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'baton_queue_depth', { queue: 'jobs' })).toBe(0);
    expect(sampleValue(samples, 'baton_queue_depth', { queue: 'outbox' })).toBe(0);
    expect(sampleValue(samples, 'baton_outbox_lag_seconds')).toBe(0);

    expect(types.get('baton_chat_errors_total')).toBe('counter');
    expect(types.get('baton_chat_rate_limited_total')).toBe('counter');
    // Node's own figures, from this process.
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('refuses a scrape without a token (401) or with a token lacking metrics:read (403), and records the refusal of a known token', async () => {
    const started = await start();
    const anonymous = await scrape(started.baton.url);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toEqual({
      error: expect.stringContaining('needs an API token with the scope metrics:read'),
    });
    const wrongScope = await scrape(started.baton.url, EVIDENCE_TOKEN);
    expect(wrongScope.status).toBe(403);
    expect(JSON.parse(wrongScope.text)).toEqual({
      error: expect.stringContaining('"test-auditor" lacks the scope metrics:read'),
    });
    const refusals = await started.baton.engine.store.readAudit(BATON_STREAM);
    expect(refusals.filter((r) => r.type === 'access.refused').map((r) => r.actor)).toEqual(['test-auditor']);
  });

  it('serves /metrics without a token on a listener of its own, separate for each Baton in the process', async () => {
    const first = await start({ metricsPort: 0 });
    const second = await start({ metricsPort: 0 });
    await promoteToStaging(first);
    const firstUrl = first.baton.metricsUrl ?? '';
    const secondUrl = second.baton.metricsUrl ?? '';
    expect(firstUrl).not.toBe(secondUrl);
    const own = parseSamples((await scrape(firstUrl)).text);
    const other = parseSamples((await scrape(secondUrl)).text);
    expect(sampleValue(own, 'baton_promotions', { environment: 'staging', state: 'succeeded' })).toBe(1);
    expect(sampleValue(other, 'baton_promotions', { environment: 'staging', state: 'succeeded' })).toBe(0);
    expect(other.some((s) => s.name === 'baton_step_duration_seconds_count')).toBe(false);
    // The listener serves metrics only.
    expect((await fetch(`${firstUrl}/api/promotions/evidence?id=1`)).status).toBe(404);
  });
});

describe('chat failures in /metrics', () => {
  it('counts 429s and other failures of each call by platform, and lets the error through', async () => {
    const metrics = new BatonMetrics();
    let failure: Error = new ChatRateLimitedError(1000);
    const chat = countedChat(
      {
        post: async () => {
          throw failure;
        },
        update: async () => undefined,
        reply: async () => ({ channel: '#deploys', messageId: '1' }),
        fits: () => true,
      },
      'slack',
      metrics,
    );
    await expect(chat.post('#deploys', { text: 'x', tone: 'neutral', blocks: [] })).rejects.toBe(failure);
    failure = new Error('channel_not_found');
    await expect(chat.post('#deploys', { text: 'x', tone: 'neutral', blocks: [] })).rejects.toBe(failure);
    await chat.update({ channel: '#deploys', messageId: '1' }, { text: 'x', tone: 'neutral', blocks: [] });
    const samples = parseSamples((await metrics.exposition()).body);
    expect(sampleValue(samples, 'baton_chat_rate_limited_total', { platform: 'slack', call: 'post' })).toBe(1);
    expect(sampleValue(samples, 'baton_chat_errors_total', { platform: 'slack', call: 'post' })).toBe(1);
    expect(samples.some((s) => s.labels.call === 'update')).toBe(false);
  });
});
