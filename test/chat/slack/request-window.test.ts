/**
 * Slack requests are taken only within five minutes of their timestamp, either
 * way: Bolt alone would take a correctly signed request from the future.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requestTimestampProblem } from '../../../src/http/request-window.ts';
import { SLACK_EVENTS_PATH } from '../../../src/chat/slack/settings.ts';
import { rawRequest } from '../../support/raw-http.ts';
import { ALICE, startSlackScene, type SlackScene } from '../../support/slack-scene.ts';

const CONFIG =
  'version: 1\nenvironments: [{ name: dev, channel: "#deploys" }]\ncomponents:\n  api: { adapter: script, with: { apply: ["true"] } }\n';

let scene: SlackScene | undefined;
afterEach(async () => {
  await scene?.stop();
  scene = undefined;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('the Slack request timestamp window', () => {
  it('refuses correctly signed requests from 6 minutes ahead and 6 minutes ago with 401, and takes one from now', async () => {
    scene = await startSlackScene(CONFIG);
    const ahead = await scene.command(ALICE, 'help', { options: { timestamp: nowSeconds() + 6 * 60 } });
    expect(ahead.status).toBe(401);
    expect(ahead.body).toContain("ahead of this machine's clock");
    const behind = await scene.command(ALICE, 'help', { options: { timestamp: nowSeconds() - 6 * 60 } });
    expect(behind.status).toBe(401);
    const now = await scene.command(ALICE, 'help');
    expect(now.status).toBe(200);
  });

  it('still checks the signature of a request inside the window', async () => {
    scene = await startSlackScene(CONFIG);
    const forged = await scene.command(ALICE, 'help', {
      options: { timestamp: nowSeconds() + 60, signature: 'v0=0000' },
    });
    expect(forged.status).toBe(401);
    const skewed = await scene.command(ALICE, 'help', { options: { timestamp: nowSeconds() + 4 * 60 } });
    expect(skewed.status).toBe(200);
  });

  it('refuses a body over a megabyte before reading it, and any method but POST, however fresh the timestamp', async () => {
    scene = await startSlackScene(CONFIG);
    const url = `${scene.baton.url}${SLACK_EVENTS_PATH}`;
    const headers = { 'x-slack-request-timestamp': String(nowSeconds()), 'x-slack-signature': 'v0=0000' };
    // Announces 256 MiB and sends a few bytes: the answer comes without waiting for the rest.
    const huge = await rawRequest(
      url,
      'POST',
      SLACK_EVENTS_PATH,
      { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(256 * 1024 * 1024) },
      'token=x',
    );
    expect(huge.status).toBe(413);
    const get = await rawRequest(url, 'GET', SLACK_EVENTS_PATH, headers);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('says why a timestamp is refused', () => {
    const HEADER = 'X-Slack-Request-Timestamp';
    const now = 1_800_000_000_000;
    const seconds = now / 1000;
    expect(requestTimestampProblem(String(seconds + 300), now, HEADER)).toBeUndefined();
    expect(requestTimestampProblem(String(seconds - 300), now, HEADER)).toBeUndefined();
    expect(requestTimestampProblem(String(seconds + 301), now, HEADER)).toBe(
      "its timestamp is 301 seconds ahead of this machine's clock (at most 300 are allowed either way)",
    );
    expect(requestTimestampProblem(String(seconds - 600), now, HEADER)).toBe(
      'its timestamp is 600 seconds old (at most 300 are allowed either way): a replay, or a clock that is off',
    );
    expect(requestTimestampProblem(undefined, now, HEADER)).toBe('it has no X-Slack-Request-Timestamp of Unix seconds');
    expect(requestTimestampProblem('soon', now, HEADER)).toBe('it has no X-Slack-Request-Timestamp of Unix seconds');
  });
});
