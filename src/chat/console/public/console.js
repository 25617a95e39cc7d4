// Baton's local console: a chat channel in the browser. Plain JS, no build step,
// nothing loaded from elsewhere. All text is set with textContent, never parsed as HTML.
import { el, formatTime } from './page-kit.js';

const presetUsers = ['alice', 'bob', 'carol'];
const otherUserOption = '__other__';
const userStorageKey = 'baton.console.user';
const reconnectDelayMs = 2000;
/** A private reply folds to one line after this long: it was read, and the channel is what matters. */
const privateReplyFoldMs = 6000;

const state = {
  user: 'alice',
  /** The open console (loopback, no login): the person picks who they are. Signed in: the server says. */
  switcher: true,
  channels: ['#baton'],
  selectedChannel: '#baton',
  /** Until the person picks a channel, follow the server's default (the first listed). */
  channelChosen: false,
  /** Root messages by id, each with its `thread`; Map order is posting order. */
  roots: new Map(),
  openThreadId: null,
  /** Replies only the person who acted sees: { key, user, channel, threadOf, at, message, note }. */
  privateReplies: [],
  unread: new Map(),
  /** The newest server time seen; places replies that carry no time of their own. */
  latestAt: '',
  history: [],
  historyIndex: 0,
  /** A command that works on this Baton's pipeline, from the server. */
  example: '/promote help',
  /** The thread a link asked for (`/#thread=m12`), opened once its message has arrived. */
  wantedThread: threadInLink(),
};
let privateReplyCount = 0;

const byId = (id) => document.getElementById(id);

// ---------------------------------------------------------------- DOM helpers

/** Light markup as in the message model: *bold* and `code`. */
function markup(text) {
  const nodes = [];
  const pattern = /`([^`\n]+)`|\*([^*\n]+)\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(match[1] !== undefined ? el('code', {}, match[1]) : el('strong', {}, match[2]));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function timeElement(iso) {
  return el('time', { datetime: iso, title: iso }, formatTime(iso));
}

function threadInLink() {
  const match = /^#thread=(m\d+)$/.exec(window.location.hash);
  return match ? match[1] : null;
}

/**
 * Brings `container`'s children in line with `items` ({ key, version, build }),
 * rebuilding only what changed so a click or an open <details> is not lost.
 */
function reconcile(container, items) {
  const existing = new Map([...container.children].map((child) => [child.dataset.key, child]));
  items.forEach((item, index) => {
    let node = existing.get(item.key);
    if (!node || node.dataset.version !== item.version) {
      const fresh = item.build();
      fresh.dataset.key = item.key;
      fresh.dataset.version = item.version;
      if (node) {
        keepOpenDetails(node, fresh);
        node.replaceWith(fresh);
      }
      node = fresh;
    }
    existing.delete(item.key);
    const current = container.children[index];
    if (current !== node) container.insertBefore(node, current ?? null);
  });
  for (const stale of existing.values()) stale.remove();
}

function keepOpenDetails(from, to) {
  const open = new Set([...from.querySelectorAll('details[open]')].map((details) => details.dataset.detailKey));
  for (const details of to.querySelectorAll('details')) {
    if (open.has(details.dataset.detailKey)) details.open = true;
  }
}

// ---------------------------------------------------------------- message rendering

function renderList(block, messageKey, blockIndex) {
  return el(
    'ul',
    { className: 'block-list' },
    block.items.map((item, itemIndex) =>
      el('li', { className: `list-item tone-${item.tone}` }, [
        el('span', { className: 'tone-marker', title: item.tone, 'aria-label': item.tone }),
        el('div', { className: 'list-item-body' }, [
          el('div', {}, markup(item.text)),
          item.detail
            ? el('details', { dataset: { detailKey: `${messageKey}:${blockIndex}:${itemIndex}` } }, [
                el('summary', {}, 'Details'),
                el('pre', { className: 'block-code' }, item.detail),
              ])
            : null,
        ]),
      ]),
    ),
  );
}

function renderBlock(block, messageKey, blockIndex, channel) {
  switch (block.type) {
    case 'header':
      return el('div', { className: 'block-header' }, block.text);
    case 'text':
      return el('div', { className: 'block-text' }, markup(block.text));
    case 'fields':
      return el(
        'dl',
        { className: 'block-fields' },
        block.fields.map((field) =>
          el('div', { className: 'field' }, [el('dt', {}, field.label), el('dd', {}, markup(field.value))]),
        ),
      );
    case 'list':
      return el('div', { className: 'block-list-group' }, [
        block.title ? el('div', { className: 'block-list-title' }, block.title) : null,
        renderList(block, messageKey, blockIndex),
      ]);
    case 'code':
      return el('pre', { className: 'block-code' }, el('code', {}, block.text));
    case 'context':
      return el('div', { className: 'block-context' }, markup(block.text));
    case 'actions':
      return el(
        'div',
        { className: 'block-actions' },
        block.buttons.map((button) => renderButton(button, channel)),
      );
    default:
      return null;
  }
}

function renderButton(button, channel) {
  return el(
    'button',
    {
      type: 'button',
      className: `btn${button.style ? ` btn-${button.style}` : ''}`,
      dataset: { testid: 'action-button', actionId: button.actionId },
      onclick: (event) => sendAction(event.currentTarget, button, channel),
    },
    button.label,
  );
}

function renderBlocks(message, messageKey, channel) {
  const blocks = message.blocks.length > 0 ? message.blocks : [{ type: 'text', text: message.text }];
  return el(
    'div',
    { className: `message-blocks tone-${message.tone}` },
    blocks.map((block, index) => renderBlock(block, messageKey, index, channel)),
  );
}

function messageMeta(iso, extra = []) {
  return el('div', { className: 'message-meta' }, [
    el('span', { className: 'author' }, 'Baton'),
    el('span', { className: 'app-badge' }, 'APP'),
    ...extra,
    timeElement(iso),
  ]);
}

function renderMessage(view, testid, channel, footer = null) {
  return el('article', { className: 'message', dataset: { testid, messageId: view.id } }, [
    el('div', { className: 'avatar', 'aria-hidden': 'true' }, 'B'),
    el('div', { className: 'message-main' }, [
      messageMeta(view.postedAt),
      renderBlocks(view.message, view.id, channel),
      footer,
    ]),
  ]);
}

function threadLink(root) {
  const count = root.thread.length;
  if (count === 0) return null;
  const last = root.thread[count - 1];
  return el('div', { className: 'thread-summary' }, [
    el(
      'button',
      {
        type: 'button',
        className: 'thread-link',
        dataset: { testid: 'thread-link' },
        onclick: () => openThread(root.id),
      },
      count === 1 ? '1 reply' : `${count} replies`,
    ),
    el('span', { className: 'thread-last' }, `Last reply ${formatTime(last.postedAt)}`),
  ]);
}

function renderPrivateReply(reply) {
  if (reply.folded) {
    const firstLine = reply.message.text.split('\n')[0];
    return el(
      'article',
      { className: 'message private folded', dataset: { testid: 'private-reply', folded: 'true' } },
      [
        el('span', { className: 'private-badge' }, 'Only visible to you'),
        el('span', { className: 'folded-text', title: reply.message.text }, firstLine),
        el(
          'button',
          { type: 'button', className: 'link-button', onclick: () => unfoldPrivateReply(reply.key) },
          'Show',
        ),
        el(
          'button',
          { type: 'button', className: 'link-button', onclick: () => dismissPrivateReply(reply.key) },
          'Dismiss',
        ),
      ],
    );
  }
  return el(
    'article',
    {
      className: 'message private',
      dataset: { testid: 'private-reply' },
      // Reading it (the pointer or focus on it) keeps it open.
      onmouseenter: () => holdPrivateReply(reply.key),
      onfocusin: () => holdPrivateReply(reply.key),
    },
    [
      el('div', { className: 'avatar', 'aria-hidden': 'true' }, 'B'),
      el('div', { className: 'message-main' }, [
        messageMeta(reply.at, [el('span', { className: 'private-badge' }, 'Only visible to you')]),
        renderBlocks(reply.message, reply.key, reply.channel),
        el('div', { className: 'private-footer' }, [
          reply.note ? el('span', {}, reply.note) : null,
          el(
            'button',
            { type: 'button', className: 'link-button', onclick: () => dismissPrivateReply(reply.key) },
            'Dismiss',
          ),
        ]),
      ]),
    ],
  );
}

// ---------------------------------------------------------------- views

function rootVersion(root) {
  const last = root.thread[root.thread.length - 1];
  return `${root.updatedAt}|${root.thread.length}|${last ? last.updatedAt : ''}`;
}

function privateRepliesFor(channel, threadOf) {
  return state.privateReplies.filter(
    (reply) => reply.user === state.user && reply.channel === channel && reply.threadOf === threadOf,
  );
}

/** ISO times from one clock sort as strings; ties keep their order (messages before replies). */
function byTime(a, b) {
  if (a.at === b.at) return 0;
  return a.at < b.at ? -1 : 1;
}

function privateItem(reply) {
  return {
    key: reply.key,
    version: reply.folded ? 'folded' : 'open',
    at: reply.at,
    build: () => renderPrivateReply(reply),
  };
}

function renderChannelList() {
  const list = byId('channel-list');
  reconcile(
    list,
    state.channels.map((channel) => {
      const unread = state.unread.get(channel) ?? 0;
      const selected = channel === state.selectedChannel;
      return {
        key: channel,
        version: `${selected}|${unread}`,
        build: () =>
          el('li', {}, [
            el(
              'button',
              {
                type: 'button',
                className: `channel-button${selected ? ' selected' : ''}${unread > 0 ? ' unread' : ''}`,
                dataset: { testid: 'channel', channel },
                'aria-current': selected ? 'true' : null,
                onclick: () => selectChannel(channel),
              },
              [
                el('span', { className: 'channel-hash', 'aria-hidden': 'true' }, '#'),
                el('span', { className: 'channel-label' }, channel.replace(/^#/, '')),
                unread > 0 ? el('span', { className: 'unread-count' }, String(unread)) : null,
              ],
            ),
          ]),
      };
    }),
  );
}

function renderMessageList({ scrollToEnd = false } = {}) {
  const list = byId('message-list');
  const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const roots = [...state.roots.values()].filter((root) => root.channel === state.selectedChannel);
  const items = [
    ...roots.map((root) => ({
      key: root.id,
      version: rootVersion(root),
      at: root.postedAt,
      build: () => renderMessage(root, 'message', root.channel, threadLink(root)),
    })),
    ...privateRepliesFor(state.selectedChannel, null).map(privateItem),
  ].sort(byTime);

  if (items.length === 0) {
    items.push({ key: 'empty', version: state.selectedChannel, build: emptyChannel });
  }
  reconcile(list, items);
  if (scrollToEnd || nearEnd) list.scrollTop = list.scrollHeight;
}

function emptyChannel() {
  return el('div', { className: 'empty-channel' }, [
    el('p', { className: 'empty-title' }, `Nothing in ${state.selectedChannel} yet`),
    el('p', {}, [
      'Type ',
      el('code', {}, '/promote help'),
      ' below to see what Baton can do, or ',
      el('code', {}, state.example),
      ' to plan a promotion.',
    ]),
  ]);
}

function renderThread({ scrollToEnd = false } = {}) {
  const panel = byId('thread-panel');
  const root = state.roots.get(state.openThreadId);
  byId('layout').classList.toggle('thread-open', Boolean(root));
  panel.hidden = !root;
  if (!root) return;

  byId('thread-channel').textContent = root.channel;
  const body = byId('thread-body');
  const nearEnd = body.scrollHeight - body.scrollTop - body.clientHeight < 80;
  const count = root.thread.length;
  reconcile(body, [
    {
      key: `root-${root.id}`,
      version: root.updatedAt,
      build: () => renderMessage(root, 'thread-root', root.channel),
    },
    {
      key: 'divider',
      version: String(count),
      build: () => el('div', { className: 'thread-divider' }, count === 1 ? '1 reply' : `${count} replies`),
    },
    ...[
      ...root.thread.map((reply) => ({
        key: reply.id,
        version: reply.updatedAt,
        at: reply.postedAt,
        build: () => renderMessage(reply, 'thread-reply', root.channel),
      })),
      ...privateRepliesFor(root.channel, root.id).map(privateItem),
    ].sort(byTime),
  ]);
  if (scrollToEnd || nearEnd) body.scrollTop = body.scrollHeight;
}

function renderHeader() {
  byId('channel-name').textContent = state.selectedChannel;
  const hint = byId('composer-hint');
  hint.replaceChildren(
    'Enter sends as ',
    el('strong', {}, state.user),
    ' in ',
    el('strong', {}, state.selectedChannel),
    ' · ↑ recalls earlier commands',
  );
}

function renderAll() {
  renderHeader();
  renderChannelList();
  renderMessageList();
  renderThread();
}

function selectChannel(channel) {
  closeChannelMenu();
  state.channelChosen = true;
  state.selectedChannel = channel;
  state.unread.delete(channel);
  state.openThreadId = null;
  renderHeader();
  renderChannelList();
  renderMessageList({ scrollToEnd: true });
  renderThread();
}

function openThread(rootId) {
  state.openThreadId = rootId;
  renderThread({ scrollToEnd: true });
}

function closeThread() {
  state.openThreadId = null;
  renderThread();
}

function noteServerTime(at) {
  if (at > state.latestAt) state.latestAt = at;
}

function addPrivateReply(channel, threadOf, message, note, at) {
  privateReplyCount += 1;
  state.privateReplies.push({
    key: `private-${privateReplyCount}`,
    user: state.user,
    channel,
    threadOf,
    // Server time, not the browser's: the two clocks need not agree, and the order must.
    at: at ?? (state.latestAt || new Date().toISOString()),
    message,
    note,
  });
  if (threadOf) renderThread({ scrollToEnd: true });
  else renderMessageList({ scrollToEnd: true });
  foldPrivateReplyLater(`private-${privateReplyCount}`);
}

function foldPrivateReplyLater(key) {
  window.setTimeout(() => {
    const reply = state.privateReplies.find((candidate) => candidate.key === key);
    if (!reply || reply.folded) return;
    if (reply.held) return;
    reply.folded = true;
    renderMessageList();
    renderThread();
  }, privateReplyFoldMs);
}

function holdPrivateReply(key) {
  const reply = state.privateReplies.find((candidate) => candidate.key === key);
  if (reply) reply.held = true;
}

function unfoldPrivateReply(key) {
  const reply = state.privateReplies.find((candidate) => candidate.key === key);
  if (!reply) return;
  reply.folded = false;
  reply.held = true;
  renderMessageList();
  renderThread();
}

function dismissPrivateReply(key) {
  state.privateReplies = state.privateReplies.filter((reply) => reply.key !== key);
  renderMessageList();
  renderThread();
}

// ---------------------------------------------------------------- live updates

function applySnapshot(snapshot) {
  state.channels = snapshot.channels;
  if (!state.channelChosen && snapshot.channels[0]) state.selectedChannel = snapshot.channels[0];
  state.roots = new Map(snapshot.messages.map((root) => [root.id, root]));
  for (const root of snapshot.messages) {
    noteServerTime(root.updatedAt);
    for (const reply of root.thread) noteServerTime(reply.updatedAt);
  }
  if (!state.channels.includes(state.selectedChannel)) state.channels.push(state.selectedChannel);
  openWantedThread();
  renderAll();
}

/** Opens the thread a link named, once, when its message is known. */
function openWantedThread() {
  const root = state.wantedThread && state.roots.get(state.wantedThread);
  if (!root) return;
  state.wantedThread = null;
  state.channelChosen = true;
  state.selectedChannel = root.channel;
  state.openThreadId = root.id;
}

function addChannel(channel) {
  if (state.channels.includes(channel)) return;
  const [first, ...rest] = state.channels;
  state.channels = [first, ...[...rest, channel].sort()];
}

function applyChange(event) {
  noteServerTime(event.updatedAt);
  const view = { id: event.id, postedAt: event.postedAt, updatedAt: event.updatedAt, message: event.message };
  if (event.threadOf === null) {
    const existing = state.roots.get(event.id);
    if (existing) Object.assign(existing, view);
    else state.roots.set(event.id, { ...view, channel: event.channel, thread: [] });
    if (event.change === 'posted') {
      addChannel(event.channel);
      if (event.channel !== state.selectedChannel) {
        state.unread.set(event.channel, (state.unread.get(event.channel) ?? 0) + 1);
      }
    }
  } else {
    const root = state.roots.get(event.threadOf);
    if (!root) return;
    const index = root.thread.findIndex((reply) => reply.id === event.id);
    if (index === -1) root.thread.push(view);
    else root.thread[index] = view;
  }
  renderChannelList();
  renderMessageList();
  renderThread();
}

function setConnection(connection, label) {
  const indicator = byId('connection');
  indicator.dataset.state = connection;
  indicator.textContent = label;
}

function connectEvents() {
  const events = new EventSource('/api/console/events');
  events.addEventListener('open', () => setConnection('live', 'Live'));
  events.addEventListener('snapshot', (event) => applySnapshot(JSON.parse(event.data)));
  events.addEventListener('message', (event) => applyChange(JSON.parse(event.data)));
  events.addEventListener('error', () => {
    setConnection('reconnecting', 'Reconnecting…');
    // The browser retries by itself unless the server answered with an error; then it gives up.
    if (events.readyState === EventSource.CLOSED) {
      window.setTimeout(() => loadSession().then((session) => session && connectEvents()), reconnectDelayMs);
    }
  });
}

// ---------------------------------------------------------------- sending

async function postJson(url, body) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (response.status === 401 && json.signIn) {
      // The session ran out: sign in again rather than fail every click.
      window.location.assign(json.signIn);
      return { error: 'Your sign-in has ended; taking you to sign in again…' };
    }
    if (!response.ok) return { error: json.error ?? `Baton answered ${response.status}` };
    return json;
  } catch {
    return { error: 'Could not reach Baton. Is it still running?' };
  }
}

function errorMessage(text) {
  return { text, tone: 'bad', blocks: [{ type: 'text', text }] };
}

function deliverReply(result, channel, threadOf, note) {
  if (result.error) {
    addPrivateReply(channel, threadOf, errorMessage(result.error), note);
    return;
  }
  noteServerTime(result.at);
  if (result.reply.visibility === 'private') {
    addPrivateReply(channel, threadOf, result.reply.message, note, result.at);
  }
  // A channel reply arrives through the event stream like any other message.
}

async function sendCommand(text) {
  const channel = state.selectedChannel;
  const result = await postJson('/api/console/commands', { ...asUser(), text, channel });
  deliverReply(result, channel, null, `You sent ${text}`);
  return !result.error;
}

async function sendAction(buttonElement, button, channel) {
  const reason = button.asksForReason ? await askForReason(button) : undefined;
  if (reason === null) return;
  const threadOf = buttonElement.closest('#thread-panel') ? state.openThreadId : null;
  buttonElement.disabled = true;
  buttonElement.setAttribute('aria-busy', 'true');
  const result = await postJson('/api/console/actions', {
    ...asUser(),
    actionId: button.actionId,
    value: button.value,
    channel,
    ...(reason === undefined ? {} : { reason }),
  });
  buttonElement.disabled = false;
  buttonElement.removeAttribute('aria-busy');
  deliverReply(result, channel, threadOf, `You clicked ${button.label}`);
}

/** Resolves with the reason typed, or null when the person cancels. */
function askForReason(button) {
  const dialog = byId('reason-dialog');
  const input = byId('reason-input');
  const submit = byId('reason-submit');
  byId('reason-title').textContent = `${button.label}: give a reason`;
  submit.textContent = button.label;
  submit.className = `btn btn-${button.style ?? 'primary'}`;
  input.value = '';
  submit.disabled = true;
  dialog.showModal();
  input.focus();

  return new Promise((resolve) => {
    const finish = (reason) => {
      dialog.close();
      resolve(reason);
    };
    input.oninput = () => {
      submit.disabled = input.value.trim() === '';
    };
    input.onkeydown = (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) byId('reason-form').requestSubmit();
    };
    byId('reason-form').onsubmit = (event) => {
      event.preventDefault();
      if (input.value.trim() !== '') finish(input.value.trim());
    };
    byId('reason-cancel').onclick = () => finish(null);
    dialog.oncancel = (event) => {
      event.preventDefault();
      finish(null);
    };
  });
}

// ---------------------------------------------------------------- who you are

/** Signed in, the server knows who is asking; the open console sends the name picked. */
function asUser() {
  return state.switcher ? { user: state.user } : {};
}

/** Who the server says this page acts for; null when the browser is being sent to sign in. */
async function loadSession() {
  for (;;) {
    try {
      const response = await fetch('/api/console/session');
      const json = await response.json().catch(() => ({}));
      if (response.status === 401 && json.signIn) {
        window.location.assign(json.signIn);
        return null;
      }
      if (response.ok) return json;
      setConnection('reconnecting', json.error ?? `Baton answered ${response.status}`);
    } catch {
      setConnection('reconnecting', 'Reconnecting…');
    }
    await new Promise((resolve) => window.setTimeout(resolve, reconnectDelayMs));
  }
}

function setUpExample(example) {
  if (!example) return;
  state.example = example;
  byId('command-input').placeholder = example;
}

// ---------------------------------------------------------------- narrow screens

function openChannelMenu() {
  byId('layout').classList.add('channels-open');
  byId('channel-menu').setAttribute('aria-expanded', 'true');
}

function closeChannelMenu() {
  byId('layout').classList.remove('channels-open');
  byId('channel-menu').setAttribute('aria-expanded', 'false');
}

function setUpChannelMenu() {
  byId('channel-menu').addEventListener('click', () => {
    if (byId('layout').classList.contains('channels-open')) closeChannelMenu();
    else openChannelMenu();
  });
}

function setUpSignedIn(session) {
  state.switcher = false;
  state.user = session.user;
  // Not hidden but gone: a signed-in page has no way to act as anyone else.
  byId('user-switcher').remove();
  byId('user-dialog').remove();
  byId('signed-in-name').textContent = session.user;
  byId('signed-in').hidden = false;
  const signOut = byId('sign-out');
  if (session.signOut) {
    signOut.href = session.signOut;
    signOut.hidden = false;
  }
  byId('sidebar-note').textContent =
    `You are signed in as ${session.user}: commands and clicks are sent under this name, and Baton's config says who may request and approve what.`;
}

function setUpSwitcher() {
  state.user = readStoredUser() || presetUsers[0];
  renderUserOptions();
  byId('user-switcher').hidden = false;
  byId('user-select').addEventListener('change', (event) => {
    if (event.target.value === otherUserOption) askForUserName();
    else setUser(event.target.value);
  });
}

function readStoredUser() {
  try {
    return window.localStorage.getItem(userStorageKey);
  } catch {
    return null;
  }
}

function storeUser(user) {
  try {
    window.localStorage.setItem(userStorageKey, user);
  } catch {
    // Storage can be disabled (private windows); the choice then lasts for this page only.
  }
}

function renderUserOptions() {
  const select = byId('user-select');
  const names = presetUsers.includes(state.user) ? presetUsers : [...presetUsers, state.user];
  select.replaceChildren(
    ...names.map((name) => el('option', { value: name }, name)),
    el('option', { value: otherUserOption }, 'other…'),
  );
  select.value = state.user;
}

function setUser(user) {
  state.user = user;
  storeUser(user);
  renderUserOptions();
  renderAll();
}

function askForUserName() {
  const dialog = byId('user-dialog');
  const input = byId('user-input');
  input.value = '';
  dialog.showModal();
  input.focus();
  const finish = (name) => {
    dialog.close();
    if (name) setUser(name);
    else renderUserOptions();
  };
  byId('user-form').onsubmit = (event) => {
    event.preventDefault();
    finish(input.value.trim());
  };
  byId('user-cancel').onclick = () => finish('');
  dialog.oncancel = (event) => {
    event.preventDefault();
    finish('');
  };
}

// ---------------------------------------------------------------- composer

function setUpComposer() {
  const input = byId('command-input');
  byId('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === '') return;
    state.history.push(text);
    state.historyIndex = state.history.length;
    input.value = '';
    const sent = await sendCommand(text);
    if (!sent && input.value === '') input.value = text;
    input.focus();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    if (state.history.length === 0) return;
    event.preventDefault();
    const step = event.key === 'ArrowUp' ? -1 : 1;
    state.historyIndex = Math.min(Math.max(state.historyIndex + step, 0), state.history.length);
    input.value = state.history[state.historyIndex] ?? '';
  });
}

async function start() {
  const session = await loadSession();
  if (!session) return;
  if (session.switcher) setUpSwitcher();
  else setUpSignedIn(session);
  setUpExample(session.example);
  setUpChannelMenu();
  byId('thread-close').addEventListener('click', closeThread);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || document.querySelector('dialog[open]')) return;
    if (byId('layout').classList.contains('channels-open')) closeChannelMenu();
    else if (state.openThreadId) closeThread();
  });
  setUpComposer();
  renderAll();
  connectEvents();
  byId('command-input').focus();
}

start();
