import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleSnapshot } from '../../../src/chat/console/message-store.ts';
import type { ConsoleChangeEvent } from '../../../src/chat/console/message-store.ts';
import { textMessage } from '../../../src/chat/message.ts';
import type { Button } from '../../../src/chat/message.ts';
import { openEventStream } from './sse-client.ts';
import { postJson, startConsole } from './start-console.ts';
import type { RunningConsole } from './start-console.ts';

let running: RunningConsole | undefined;

async function start(options?: Parameters<typeof startConsole>[0]): Promise<RunningConsole> {
  running = await startConsole(options);
  return running;
}

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function messages(url: string, channel?: string): Promise<ConsoleSnapshot> {
  const query = channel === undefined ? '' : `?channel=${encodeURIComponent(channel)}`;
  const response = await fetch(`${url}/api/console/messages${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ConsoleSnapshot;
}

function buttonsOf(snapshotMessage: ConsoleSnapshot['messages'][number]): Button[] {
  return snapshotMessage.message.blocks.flatMap((block) => (block.type === 'actions' ? block.buttons : []));
}

/** Sends a GET with the path exactly as written; fetch would normalise "..". */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ host: hostname, port, path, method: 'GET' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('console API: commands', () => {
  it('hands the command to the handler without /promote and returns its reply', async () => {
    const { url, handler } = await start();

    const { status, json } = await postJson(`${url}/api/console/commands`, {
      user: 'alice',
      text: '/promote 1.4.2 to staging',
    });

    expect(status).toBe(200);
    expect(json.reply).toEqual({
      visibility: 'private',
      message: textMessage('Planned promotion #1; it needs one approval.'),
    });
    expect(json.posted).toBeUndefined();
    expect(Date.parse(json.at ?? '')).not.toBeNaN();
    expect(handler.commands).toEqual([{ user: 'alice', channel: '#baton', text: '1.4.2 to staging' }]);
  });

  it('posts a channel reply to the channel the command came from', async () => {
    const { url } = await start();

    const { json } = await postJson(`${url}/api/console/commands`, {
      user: 'carol',
      text: 'status',
      channel: '#deploys',
    });

    expect(json.reply?.visibility).toBe('channel');
    const snapshot = await messages(url, '#deploys');
    expect(snapshot.messages.map((root) => root.message.text)).toEqual(['No promotions are running.']);
    expect(json.posted).toEqual({ channel: '#deploys', messageId: snapshot.messages[0]?.id });
  });

  it.each([
    [{ text: '/promote help' }, 'user'],
    [{ user: '  ', text: '/promote help' }, 'user'],
    [{ user: 'alice' }, 'text'],
    [{ user: 'alice', text: '' }, 'text'],
    [{ user: 'alice', text: 'status', channel: 42 }, 'channel'],
  ])('refuses %j with 400 naming "%s"', async (body, field) => {
    const { url, handler } = await start();

    const { status, json } = await postJson(`${url}/api/console/commands`, body);

    expect(status).toBe(400);
    expect(json.field).toBe(field);
    expect(json.error).toContain(`"${field}"`);
    expect(handler.commands).toEqual([]);
  });

  it('refuses a body that is not a JSON object', async () => {
    const { url } = await start();

    const { status, json } = await postJson(`${url}/api/console/commands`, '["alice"]');

    expect(status).toBe(400);
    expect(json.error).toContain('JSON object');
  });

  it('says what is wrong with invalid JSON', async () => {
    const { url } = await start();

    const { status, json } = await postJson(`${url}/api/console/commands`, '{"user": "alice",');

    expect(status).toBe(400);
    expect(json.error).toMatch(/^The request body is not valid JSON: /);
  });

  it('answers 503 until the receiver is started', async () => {
    const { url } = await start({ started: false });

    const { status, json } = await postJson(`${url}/api/console/commands`, { user: 'alice', text: 'status' });

    expect(status).toBe(503);
    expect(json.error).toContain('not connected');
  });
});

describe('console API: actions', () => {
  it('sends the clicked button back to the handler with the reason', async () => {
    const { url, handler } = await start();
    await postJson(`${url}/api/console/commands`, { user: 'alice', text: '/promote 1.4.2 to staging' });
    const [plan] = (await messages(url)).messages;
    const reject = plan && buttonsOf(plan).find((button) => button.actionId === 'reject');
    expect(reject).toMatchObject({ asksForReason: true, style: 'danger' });

    const { status, json } = await postJson(`${url}/api/console/actions`, {
      user: 'bob',
      actionId: reject?.actionId,
      value: reject?.value,
      reason: '  smoke tests are red  ',
    });

    expect(status).toBe(200);
    expect(json.reply?.message.text).toBe('You rejected promotion #1.');
    expect(handler.actions).toEqual([
      { user: 'bob', channel: '#baton', actionId: 'reject', value: '1', reason: 'smoke tests are red' },
    ]);
  });

  it('lists the action ids it accepts', async () => {
    const { url } = await start();

    const body = { user: 'bob', actionId: 'merge', value: '1' };

    const { status, json } = await postJson(`${url}/api/console/actions`, body);

    expect(status).toBe(400);
    expect(json.field).toBe('actionId');
    expect(json.error).toContain('approve, reject, rollback');
  });

  it.each([
    [{ actionId: 'approve', value: '1' }, 'user'],
    [{ user: 'bob', actionId: 'approve' }, 'value'],
    [{ user: 'bob', actionId: 'reject', value: '1', reason: 7 }, 'reason'],
  ])('refuses %j with 400 naming "%s"', async (body, field) => {
    const { url } = await start();

    const { status, json } = await postJson(`${url}/api/console/actions`, body);

    expect(status).toBe(400);
    expect(json.field).toBe(field);
    expect(json.error).toContain(`"${field}"`);
  });
});

describe('console API: messages', () => {
  it('lists root messages oldest first, each with its thread, and updates the plan in place', async () => {
    const { url, handler } = await start();
    await postJson(`${url}/api/console/commands`, { user: 'alice', text: '/promote 1.4.2 to staging' });
    await postJson(`${url}/api/console/commands`, { user: 'alice', text: '/promote 1.4.3 to staging' });
    const before = await messages(url);
    const [first] = before.messages;
    const approve = first && buttonsOf(first).find((button) => button.actionId === 'approve');

    await postJson(`${url}/api/console/actions`, { user: 'bob', actionId: 'approve', value: approve?.value });
    await handler.settled();

    const after = await messages(url);
    expect(after.channels).toEqual(['#baton']);
    expect(after.messages.map((root) => root.message.text)).toEqual([
      'Promotion #1: 1.4.2 → staging',
      'Promotion #2: 1.4.3 → staging',
    ]);
    const [plan] = after.messages;
    expect(plan?.id).toBe(first?.id);
    expect(plan?.postedAt).toBe(first?.postedAt);
    expect(Date.parse(plan?.updatedAt ?? '')).toBeGreaterThan(Date.parse(first?.updatedAt ?? ''));
    expect(plan?.message.tone).toBe('good');
    expect(plan && buttonsOf(plan)).toEqual([]);
    expect(plan?.thread.map((reply) => reply.message.text)).toEqual([
      'Approved by *bob*',
      'iam promoted to 1.4.2',
      'schema promoted to 1.4.2',
      'api promoted to 1.4.2',
    ]);
    expect(after.messages[1]?.thread).toEqual([]);
  });

  it('narrows to one channel and lists every channel with messages after the default', async () => {
    const { url, chat } = await start();
    await chat.post('#zeta', textMessage('z'));
    await chat.post('#deploys', textMessage('d'));

    const snapshot = await messages(url, '#deploys');

    expect(snapshot.channels).toEqual(['#baton', '#deploys', '#zeta']);
    expect(snapshot.messages.map((root) => root.message.text)).toEqual(['d']);
  });
});

describe('console chat: ChatOut', () => {
  it('threads a reply to a reply under the root message', async () => {
    const { chat } = await start();
    const root = await chat.post('#baton', textMessage('plan'));
    const first = await chat.reply(root, textMessage('first'));

    const second = await chat.reply(first, textMessage('second'));

    expect(second.channel).toBe('#baton');
    const [view] = chat.snapshot().messages;
    expect(view?.thread.map((reply) => reply.id)).toEqual([first.messageId, second.messageId]);
  });

  it('updates a reply in place', async () => {
    const { chat } = await start();
    const root = await chat.post('#baton', textMessage('plan'));
    const step = await chat.reply(root, textMessage('api: running', 'active'));

    await chat.update(step, textMessage('api: done', 'good'));

    expect(chat.snapshot().messages[0]?.thread.map((reply) => reply.message.text)).toEqual(['api: done']);
  });

  it('refuses to reply to or update a message it does not have', async () => {
    const { chat } = await start();
    const root = await chat.post('#baton', textMessage('plan'));

    await expect(chat.reply({ channel: '#baton', messageId: 'm404' }, textMessage('x'))).rejects.toThrow(
      'Cannot reply to message m404 in #baton: the console has no such message',
    );
    await expect(chat.update({ channel: '#other', messageId: root.messageId }, textMessage('x'))).rejects.toThrow(
      `Cannot update message ${root.messageId} in #other`,
    );
  });

  it('keeps what was posted even if the caller changes its object afterwards', async () => {
    const { chat } = await start();
    const message = textMessage('original');

    await chat.post('#baton', message);
    message.text = 'changed';

    expect(chat.snapshot().messages[0]?.message.text).toBe('original');
  });
});

describe('console API: live events', () => {
  it('sends a snapshot, then every posted, replied and updated message', async () => {
    const { url, chat } = await start();
    const existing = await chat.post('#baton', textMessage('already here'));
    const events = await openEventStream(`${url}/api/console/events`);
    try {
      expect(events.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const snapshot = await events.next((event) => event.event === 'snapshot');
      expect((JSON.parse(snapshot.data) as ConsoleSnapshot).messages.map((root) => root.id)).toEqual([
        existing.messageId,
      ]);

      const posted = await chat.post('#deploys', textMessage('new plan'));
      const postedEvent = await events.next((event) => event.event === 'message');
      expect(JSON.parse(postedEvent.data)).toMatchObject({
        change: 'posted',
        id: posted.messageId,
        channel: '#deploys',
        threadOf: null,
        message: textMessage('new plan'),
      } satisfies Partial<ConsoleChangeEvent>);

      const reply = await chat.reply(posted, textMessage('step done', 'good'));
      await chat.update(posted, textMessage('plan done', 'good'));
      const replied = await events.next((event) => event.event === 'message');
      expect(JSON.parse(replied.data)).toMatchObject({
        change: 'replied',
        id: reply.messageId,
        threadOf: posted.messageId,
      });
      const updated = await events.next((event) => event.event === 'message');
      expect(JSON.parse(updated.data)).toMatchObject({ change: 'updated', id: posted.messageId, threadOf: null });
    } finally {
      events.close();
    }
  });

  it('sends a comment heartbeat while nothing happens', async () => {
    const { url } = await start({ heartbeatMs: 20 });
    const events = await openEventStream(`${url}/api/console/events`);
    try {
      const heartbeat = await events.next((event) => event.comment === 'heartbeat');
      expect(heartbeat.data).toBe('');
    } finally {
      events.close();
    }
  });
});

describe('console page assets', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', 'data-testid="command-input"'],
    ['/console.js', 'text/javascript; charset=utf-8', "new EventSource('/api/console/events')"],
    ['/console.css', 'text/css; charset=utf-8', '.thread-panel'],
  ])('serves %s as %s', async (path, contentType, excerpt) => {
    const { url } = await start();

    const response = await fetch(`${url}${path}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain(excerpt);
  });

  it.each([
    '/../package.json',
    '/console.js/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '//package.json',
    '/public/console.js',
    '/index.html',
    '/console-chat.ts',
  ])('does not serve %s', async (path) => {
    const { url } = await start();

    expect(await rawGet(url, path)).toBe(404);
  });
});
