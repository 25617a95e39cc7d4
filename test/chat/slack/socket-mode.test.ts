/**
 * Baton on Slack over Socket Mode: an app-level token and no signing secret
 * or public URL. The real Bolt SocketModeReceiver connects to the stand-in's
 * WebSocket; commands arrive as envelopes and Baton acks them there.
 */
import { UNPACED } from '../../../src/chat/pace.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBaton, type RunningBaton } from '../../../src/app.ts';
import type { PostedMessage } from '../../harness/slack/messages.ts';
import { startSlackStandIn, type SlackStandIn } from '../../harness/slack/slack-stand-in.ts';
import { silentLogger } from '../../support/silent-logger.ts';
import { ALICE, DEPLOYS } from '../../support/slack-scene.ts';

const CONFIG = `
version: 1
environments:
  - name: staging
    channel: ${DEPLOYS}
    approvals: { required: 1 }
components:
  api:
    adapter: script
    with:
      apply: [node, -e, "0"]
`;

/** Slack gives an app three seconds to acknowledge a request. */
const ACK_DEADLINE_MS = 3_000;

describe('Baton on Slack over Socket Mode', () => {
  let slack: SlackStandIn;
  let baton: RunningBaton | undefined;
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'baton-socket-'));
    await writeFile(join(dataDir, 'baton.yaml'), CONFIG);
    slack = await startSlackStandIn({ rateLimit: null });
    baton = await startBaton({
      configPath: join(dataDir, 'baton.yaml'),
      dataDir,
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      slack: {
        botToken: 'xoxb-test',
        connection: { mode: 'socket', appToken: 'xapp-test' },
        apiUrl: slack.apiUrl,
        pace: UNPACED,
      },
    });
  });

  afterEach(async () => {
    await baton?.close();
    await slack.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `/promote <text>` from Alice as an envelope; resolves with its ack once Baton sends it. */
  async function promote(text: string) {
    const envelopeId = slack.socketMode.slashCommand({
      user_id: ALICE,
      channel_id: DEPLOYS,
      text,
      response_url: slack.responseUrl({ user: ALICE, channel: DEPLOYS }),
    });
    return slack.waitFor(() => slack.socketMode.ackFor(envelopeId), ACK_DEADLINE_MS);
  }

  const planAwaitingApproval = (release: string) =>
    slack.waitFor(
      () =>
        slack
          .channelMessages(DEPLOYS)
          .find((root: PostedMessage) => root.text.includes(release) && root.text.includes('awaiting approval')),
      10_000,
    );

  it('connects with the app-level token and acks a /promote envelope, then posts the plan in the channel', async () => {
    expect(slack.callsTo('apps.connections.open')).toMatchObject([{ status: 200, answer: { ok: true } }]);
    expect(slack.socketMode.open()).toHaveLength(1);

    const ack = await promote('api=1.4.2 to staging');

    expect(ack.afterMs).toBeLessThan(ACK_DEADLINE_MS);
    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/Planning promotion #\d+/),
    });
    const plan = await planAwaitingApproval('1.4.2');
    expect(plan.blocks.find((block) => (block as { type: string }).type === 'actions')).toMatchObject({
      elements: [{ action_id: 'approve' }, { action_id: 'reject' }],
    });
    const [answer] = await slack.waitFor(() =>
      slack.ephemerals(ALICE).length > 0 ? slack.ephemerals(ALICE) : undefined,
    );
    expect(answer?.text).toMatch(/Planning promotion #\d+/);
  });

  it('connects again when Slack asks it to, and the next command still works', async () => {
    slack.socketMode.requestDisconnect('refresh_requested');

    // Bolt's client waits its ping timeout (5 s) before it connects again.
    const second = await slack.waitFor(() => slack.socketMode.open().find((connection) => connection.id === 2), 15_000);
    expect(slack.socketMode.connections[0]).toMatchObject({ closedBy: 'app', disconnects: ['refresh_requested'] });
    expect(second.disconnects).toEqual([]);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(2);

    const ack = await promote('api=1.4.3 to staging');
    expect(ack.connection).toBe(2);
    await planAwaitingApproval('1.4.3');
  });

  it('closes its socket when Baton closes', async () => {
    await baton?.close();
    baton = undefined;

    // Baton's end is closed when close() returns; the stand-in hears the TCP close a moment later.
    await slack.waitFor(() => slack.socketMode.open().length === 0, 500);
    expect(slack.socketMode.connections).toMatchObject([{ closedBy: 'app' }]);
  });
});
