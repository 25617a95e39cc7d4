// Baton's dashboard: what runs where, the DORA figures, recent promotions.
// Plain JS, no build step. Every name and version is set as text, never parsed as HTML.
import { el, formatDuration, formatTime } from './page-kit.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Changes in the console's channels are what change the dashboard; refresh at most this often. */
const refreshEveryMs = 1500;

const state = {
  environments: [],
  states: [],
  matrix: null,
  /** Environments whose drift is being read now. */
  checking: new Set(),
  refreshTimer: null,
};

const byId = (id) => document.getElementById(id);

// ---------------------------------------------------------------- fetching

async function getJson(url, options) {
  const response = await fetch(url, options);
  const json = await response.json().catch(() => ({}));
  if (response.status === 401 && json.signIn) {
    window.location.assign(json.signIn);
    throw new Error('Your sign-in has ended; taking you to sign in again…');
  }
  if (!response.ok) throw new Error(json.error ?? `Baton answered ${response.status}`);
  return json;
}

function showError(id, error) {
  const node = byId(id);
  node.textContent = error ? error.message : '';
  node.hidden = !error;
}

function setUpdated(text, connection = 'live') {
  const node = byId('updated');
  node.textContent = text;
  node.dataset.state = connection;
}

// ---------------------------------------------------------------- links

function threadHref(thread) {
  return `/#thread=${encodeURIComponent(thread.messageId)}`;
}

function evidenceHref(id) {
  return `/api/promotions/evidence?id=${encodeURIComponent(id)}&format=md`;
}

function promotionLink(id, thread) {
  const label = `#${id}`;
  return thread
    ? el('a', { href: threadHref(thread), title: `The thread of promotion #${id}` }, label)
    : el('span', {}, label);
}

// ---------------------------------------------------------------- the matrix

function driftOf(environment) {
  return state.matrix.drift.find((report) => report.environment === environment);
}

function driftMark(reading) {
  if (!reading) return null;
  switch (reading.state) {
    case 'drifted':
      return el(
        'div',
        { className: 'drift drifted', dataset: { testid: 'drift-mark' } },
        `Drift: the target runs ${reading.observed}`,
      );
    case 'unreadable':
      return el('div', { className: 'drift unreadable', title: reading.reason }, 'Could not read the target');
    case 'unobserved':
      return el('div', { className: 'drift unobserved' }, 'The target reports no version');
    case 'untracked':
      return el('div', { className: 'drift untracked' }, `The target runs ${reading.observed}`);
    default:
      return el('div', { className: 'drift same' }, 'Target agrees');
  }
}

function matrixCell(row, component) {
  const cell = row.cells[component];
  const reading = driftOf(row.environment)?.components.find((c) => c.component === component);
  const drifted = reading?.state === 'drifted';
  const data = {
    testid: 'matrix-cell',
    environment: row.environment,
    component,
    drift: reading ? reading.state : 'unchecked',
  };
  if (!cell) {
    return el('td', { className: `cell empty${drifted ? ' is-drifted' : ''}`, dataset: data }, [
      el('span', { className: 'nothing' }, 'nothing yet'),
      driftMark(reading),
    ]);
  }
  const who = [cell.by ? `by ${cell.by}` : null, cell.fromEnvironment ? `from ${cell.fromEnvironment}` : null]
    .filter(Boolean)
    .join(' · ');
  return el('td', { className: `cell${drifted ? ' is-drifted' : ''}`, dataset: data }, [
    el('div', { className: 'cell-version', dataset: { testid: 'cell-version' } }, cell.version),
    el('div', { className: 'cell-meta' }, ['since ', el('time', { datetime: cell.since }, formatTime(cell.since))]),
    el('div', { className: 'cell-meta' }, [promotionLink(cell.promotionId, cell.thread), who ? ` ${who}` : '']),
    driftMark(reading),
  ]);
}

function environmentHeader(row) {
  const report = driftOf(row.environment);
  const checking = state.checking.has(row.environment);
  return el('th', { scope: 'col', dataset: { environment: row.environment } }, [
    el('div', { className: 'env-name' }, row.environment),
    el('div', { className: 'env-meta' }, [
      row.channel,
      row.busyWith ? el('span', { className: 'busy' }, ` · promotion #${row.busyWith} running`) : null,
    ]),
    el('div', { className: 'env-drift' }, [
      el(
        'button',
        {
          type: 'button',
          className: 'btn btn-small',
          dataset: { testid: 'check-drift', environment: row.environment },
          disabled: checking,
          onclick: () => checkDrift(row.environment),
        },
        checking ? 'Reading targets…' : 'Check drift',
      ),
      el(
        'span',
        { className: 'checked-at', dataset: { testid: 'drift-checked-at' } },
        report ? `checked ${formatTime(report.at)}` : 'not checked yet',
      ),
    ]),
  ]);
}

function renderMatrix() {
  const { components, environments } = state.matrix;
  const table = byId('matrix');
  table.replaceChildren(
    el(
      'thead',
      {},
      el('tr', {}, [
        el('th', { scope: 'col', className: 'corner' }, 'Component'),
        ...environments.map(environmentHeader),
      ]),
    ),
    el(
      'tbody',
      {},
      components.map((component) =>
        el('tr', {}, [
          el('th', { scope: 'row', className: 'component-name' }, component),
          ...environments.map((row) => matrixCell(row, component)),
        ]),
      ),
    ),
  );
}

async function loadMatrix() {
  try {
    state.matrix = await getJson('/api/dashboard/matrix');
    showError('matrix-error', null);
    const names = state.matrix.environments.map((row) => row.environment);
    if (names.join() !== state.environments.join()) {
      state.environments = names;
      state.states = state.matrix.states;
      fillFilters();
    }
    renderMatrix();
  } catch (error) {
    showError('matrix-error', error);
  }
}

async function checkDrift(environment) {
  state.checking.add(environment);
  renderMatrix();
  try {
    await getJson('/api/dashboard/drift', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ environment }),
    });
  } catch (error) {
    showError('matrix-error', error);
  } finally {
    state.checking.delete(environment);
    await loadMatrix();
  }
}

// ---------------------------------------------------------------- DORA

function sparkline(values, label) {
  const width = 160;
  const height = 36;
  const known = values.map((value) => (value === null ? null : Number(value)));
  const max = Math.max(1e-9, ...known.filter((value) => value !== null));
  const step = width / Math.max(1, known.length - 1);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'xMinYMid meet');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const y = (value) => (height - 4 - (value / max) * (height - 8)).toFixed(1);
  let path = '';
  known.forEach((value, index) => {
    if (value === null) return;
    path += `${path === '' || known[index - 1] === null ? 'M' : 'L'}${(index * step).toFixed(1)},${y(value)} `;
  });
  const baseline = document.createElementNS(SVG, 'line');
  for (const [name, value] of [
    ['x1', 0],
    ['x2', width],
    ['y1', height - 4],
    ['y2', height - 4],
  ])
    baseline.setAttribute(name, String(value));
  baseline.setAttribute('class', 'sparkline-base');
  svg.append(baseline);
  if (path !== '') {
    const line = document.createElementNS(SVG, 'path');
    line.setAttribute('d', path.trim());
    line.setAttribute('class', 'sparkline-line');
    svg.append(line);
  }
  known.forEach((value, index) => {
    if (value === null) return;
    const dot = document.createElementNS(SVG, 'circle');
    dot.setAttribute('cx', (index * step).toFixed(1));
    dot.setAttribute('cy', y(value));
    dot.setAttribute('r', '2.2');
    dot.setAttribute('class', 'sparkline-dot');
    svg.append(dot);
  });
  return svg;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function tile(testid, title, value, detail, trend, trendLabel) {
  return el('article', { className: 'tile', dataset: { testid } }, [
    el('h3', { className: 'tile-title' }, title),
    el('div', { className: 'tile-value', dataset: { testid: `${testid}-value` } }, value),
    el('div', { className: 'tile-detail' }, detail),
    sparkline(trend, trendLabel),
    el('div', { className: 'tile-axis' }, 'last 8 weeks'),
  ]);
}

function renderDora({ figures, weeks }) {
  byId('dora-window').textContent =
    `Last ${plural(figures.days, 'day')}, to ${formatTime(figures.to)}. First environment: ${figures.firstEnvironment}.`;
  const rate = figures.changeFailureRate;
  byId('dora-tiles').replaceChildren(
    tile(
      'dora-deployments',
      'Deployment frequency',
      plural(figures.deployments, 'deployment'),
      `${figures.deploymentsPerDay.toFixed(2)} a day`,
      weeks.map((w) => w.deployments),
      'Deployments a week',
    ),
    tile(
      'dora-lead-time',
      'Lead time for changes',
      figures.leadTimeSeconds === null ? '—' : formatDuration(figures.leadTimeSeconds),
      figures.changes === 0 ? 'no change reached it in these days' : `median over ${plural(figures.changes, 'change')}`,
      weeks.map((w) => w.leadTimeSeconds),
      'Median lead time a week',
    ),
    tile(
      'dora-failure-rate',
      'Change failure rate',
      rate === null ? '—' : `${Math.round(rate * 100)}%`,
      figures.finished === 0
        ? 'no promotion finished in these days'
        : `${figures.failures} of ${plural(figures.finished, 'promotion')} failed or rolled back`,
      weeks.map((w) => w.changeFailureRate),
      'Change failure rate a week',
    ),
    tile(
      'dora-restore',
      'Time to restore',
      figures.timeToRestoreSeconds === null ? '—' : formatDuration(figures.timeToRestoreSeconds),
      figures.unrestored > 0
        ? 'the last failure is not restored yet'
        : figures.restored === 0
          ? 'no failure in these days'
          : `median over ${plural(figures.restored, 'failure')}`,
      weeks.map((w) => w.timeToRestoreSeconds),
      'Median time to restore a week',
    ),
  );
}

async function loadDora() {
  const environment = byId('dora-environment').value;
  try {
    renderDora(await getJson(`/api/dashboard/dora?${new window.URLSearchParams(environment ? { environment } : {})}`));
  } catch (error) {
    byId('dora-tiles').replaceChildren(el('p', { className: 'panel-error' }, error.message));
  }
}

// ---------------------------------------------------------------- recent promotions

function options(select, values, anyLabel, keep) {
  select.replaceChildren(
    ...(anyLabel ? [el('option', { value: '' }, anyLabel)] : []),
    ...values.map((value) => el('option', { value }, value.replace('_', ' '))),
  );
  if (keep !== undefined && [...select.options].some((option) => option.value === keep)) select.value = keep;
}

function fillFilters() {
  options(byId('filter-environment'), state.environments, 'any environment', byId('filter-environment').value);
  options(byId('filter-state'), state.states, 'any state', byId('filter-state').value);
  const dora = byId('dora-environment');
  const chosen = dora.value || state.environments.at(-1);
  options(dora, state.environments, null, chosen);
}

function promotionRow(p) {
  const people = [`requested by ${p.requestedBy}`];
  if (p.approvedBy.length > 0) people.push(`approved by ${p.approvedBy.join(', ')}`);
  if (p.rejectedBy) people.push(`rejected by ${p.rejectedBy}`);
  if (p.rolledBackBy) people.push(`rolled back by ${p.rolledBackBy}`);
  const versions = Object.entries(p.versions)
    .map(([component, version]) => `${component}=${version}`)
    .join(' ');
  return el('tr', { dataset: { testid: 'promotion-row', id: p.id, state: p.state } }, [
    el('td', {}, `#${p.id}`),
    // An inline release is named after its versions: say them once.
    el('td', { className: 'release' }, [
      el('div', {}, p.release),
      versions === p.release ? null : el('div', { className: 'versions', title: versions }, versions),
    ]),
    el('td', {}, [
      p.environment,
      p.fromEnvironment ? el('div', { className: 'versions' }, `from ${p.fromEnvironment}`) : null,
    ]),
    el('td', {}, el('span', { className: `state state-${p.state}` }, p.state.replace('_', ' '))),
    el('td', { className: 'people' }, people.join('; ')),
    el('td', {}, el('time', { datetime: p.requestedAt }, formatTime(p.requestedAt))),
    el('td', { className: 'links' }, [
      p.thread
        ? el('a', { href: threadHref(p.thread), dataset: { testid: 'thread-link' } }, 'Thread')
        : el('span', { className: 'nothing' }, 'no thread'),
      ' · ',
      el('a', { href: evidenceHref(p.id), dataset: { testid: 'evidence-link' } }, 'Evidence'),
    ]),
  ]);
}

async function loadPromotions() {
  const query = new window.URLSearchParams();
  for (const [name, id] of [
    ['environment', 'filter-environment'],
    ['state', 'filter-state'],
    ['person', 'filter-person'],
  ]) {
    const value = byId(id).value.trim();
    if (value) query.set(name, value);
  }
  try {
    const promotions = await getJson(`/api/dashboard/promotions?${query}`);
    showError('promotions-error', null);
    byId('promotions-body').replaceChildren(
      ...(promotions.length > 0
        ? promotions.map(promotionRow)
        : [el('tr', {}, el('td', { colspan: '7', className: 'nothing' }, 'No promotion matches.'))]),
    );
  } catch (error) {
    showError('promotions-error', error);
  }
}

// ---------------------------------------------------------------- start

async function refresh() {
  await loadMatrix();
  await Promise.all([loadDora(), loadPromotions()]);
  if (state.matrix) setUpdated(`Updated ${formatTime(state.matrix.at)}`);
}

function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = window.setTimeout(() => {
    state.refreshTimer = null;
    refresh();
  }, refreshEveryMs);
}

/** The console's event stream says when anything was posted or changed: then the dashboard reads again. */
function follow() {
  const events = new EventSource('/api/console/events');
  events.addEventListener('message', refreshSoon);
  events.addEventListener('error', () => setUpdated('Reconnecting…', 'reconnecting'));
  events.addEventListener('open', () => refreshSoon());
}

async function start() {
  const session = await getJson('/api/console/session').catch(() => null);
  if (session && !session.switcher) {
    byId('signed-in-name').textContent = session.user;
    byId('signed-in').hidden = false;
    if (session.signOut) {
      byId('sign-out').href = session.signOut;
      byId('sign-out').hidden = false;
    }
  }
  byId('dora-environment').addEventListener('change', loadDora);
  byId('filter-environment').addEventListener('change', loadPromotions);
  byId('filter-state').addEventListener('change', loadPromotions);
  let typing;
  byId('filter-person').addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(loadPromotions, 250);
  });
  byId('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadPromotions();
  });
  await refresh();
  follow();
}

start();
