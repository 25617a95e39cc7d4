/** Baton on Slack refuses to start, saying why, when Slack refuses the token or cannot be reached. */
import { UNPACED } from '../../../src/chat/pace.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBaton } from '../../../src/app.ts';
import { startSlackStandIn, type SlackStandIn } from '../../harness/slack/slack-stand-in.ts';
import { silentLogger } from '../../support/silent-logger.ts';

describe('starting on Slack', () => {
  let dir = '';
  let slack: SlackStandIn | undefined;
  afterEach(async () => {
    await slack?.close();
    slack = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(botToken: string, apiUrl: string) {
    dir = await mkdtemp(join(tmpdir(), 'baton-slack-start-'));
    const configPath = join(dir, 'baton.yaml');
    await writeFile(
      configPath,
      'version: 1\nenvironments: [{ name: dev }]\ncomponents:\n  api: { adapter: script, with: { apply: ["true"] } }\n',
    );
    return startBaton({
      configPath,
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      slack: { botToken, connection: { mode: 'http', signingSecret: 'secret' }, apiUrl, pace: UNPACED },
    });
  }

  it('names the token when Slack refuses it', async () => {
    slack = await startSlackStandIn();
    await expect(start('xoxb-not-this-one', slack.apiUrl)).rejects.toThrow(
      /Slack did not accept SLACK_BOT_TOKEN .*invalid_auth.*OAuth & Permissions/,
    );
  });

  it('names SLACK_API_URL when Slack cannot be reached', async () => {
    await expect(start('xoxb-test', 'http://127.0.0.1:9/api/')).rejects.toThrow(
      /Could not reach Slack at http:\/\/127\.0\.0\.1:9\/api\/ .*Check SLACK_API_URL/,
    );
  }, 20_000);
});
