// The dashboard: wires the admin API, the live stream and the panels together, and shows the page's state (live,
// reconnecting, unauthorized) in the status pill and the banner.

import { adminKey, api, ApiError, authEvents, Unauthorized } from './api.js';
import { BanList } from './bans.js';
import { TrafficChart } from './chart.js';
import { h } from './dom.js';
import { LiveConnection } from './live.js';
import { EventLog } from './log.js';
import { NearLimitList } from './nearlimit.js';
import { Overview } from './overview.js';
import { PolicyEditor } from './policies.js';
import { ClientTester } from './tester.js';

const $ = (id) => document.getElementById(id);

const chart = new TrafficChart($('chart'), $('chart-empty'));
const log = new EventLog($('log'));
const overview = new Overview({ onClient: (client) => log.filter(client) });
chart.onChange((totals) => overview.totals(totals));
const bans = new BanList({ table: $('bans'), onCount: (n) => overview.bans(n), notify });
const policies = new PolicyEditor({ table: $('policy-list'), form: $('policy-form'), confirm, notify, replay: $('replay') });
const nearLimit = new NearLimitList($('near-limit'));
new ClientTester({ form: $('tester-form'), table: $('tester-results') });

// ?transport=sse starts with Server-Sent Events (for proxies that do not pass WebSockets).
const transport = new URLSearchParams(location.search).get('transport') === 'sse' ? 'sse' : 'ws';
let lastState = null;
let unauthorized = false;
const connection = new LiveConnection({ onEvent, onState, transport });

setUpTabs();
setUpKeyDialog();
$('bans-refresh').addEventListener('click', () => bans.refresh());
authEvents.addEventListener('unauthorized', () => showUnauthorized());

start();

async function start() {
  if (await loadAll()) {
    connection.start();
  }
}

/** Loads what the stream does not carry: the last 5 minutes, the bans, the policies. False when unauthorized. */
async function loadAll() {
  try {
    const history = await api('/admin/live/history');
    for (const stats of Array.isArray(history) ? history : []) {
      chart.add(stats);
      overview.add(stats);
    }
  } catch (error) {
    if (error instanceof Unauthorized) {
      return false;
    }
    // No history (or not reachable yet): the chart starts empty and fills from the stream.
  }
  await Promise.all([bans.refresh(), policies.refresh()]);
  return !unauthorized;
}

function onEvent(event) {
  switch (event.type) {
    case 'stats':
      chart.add(event);
      overview.add(event);
      break;
    case 'banned':
    case 'unbanned':
      bans.refreshSoon();
      break;
    case 'config_changed':
      policies.refreshSoon();
      break;
    case 'near_limit':
      nearLimit.add(event);
      break;
    default:
      break;
  }
  log.add(event);
}

function onState({ state, transport: used, attempt, retryInMs }) {
  const pill = $('connection');
  const wasLost = lastState === 'reconnecting';
  lastState = state;
  document.body.dataset.connection = state;
  switch (state) {
    case 'live':
      pill.className = 'pill pill-live';
      pill.textContent = `Live (${used === 'ws' ? 'WebSocket' : 'SSE'})`;
      hideBanner();
      if (wasLost) {
        // Whatever happened while the stream was down: bans and policies may have changed, seconds were missed.
        loadAll();
      }
      break;
    case 'connecting':
      pill.className = 'pill pill-pending';
      pill.textContent = 'Connecting…';
      break;
    case 'reconnecting':
      pill.className = 'pill pill-lost';
      pill.textContent = 'Reconnecting…';
      showBanner('lost', retryInMs
        ? `Connection lost, reconnecting… (attempt ${attempt}, next try in ${Math.max(1, Math.round(retryInMs / 1000))} s)`
        : 'Connection lost, reconnecting…');
      break;
    case 'unauthorized':
      showUnauthorized();
      break;
    default:
      break;
  }
}

function showUnauthorized() {
  const first = !unauthorized;
  unauthorized = true;
  bans.pause(true);
  connection.stop();
  document.body.dataset.connection = 'unauthorized';
  const pill = $('connection');
  pill.className = 'pill pill-lost';
  pill.textContent = 'Unauthorized';
  showBanner('unauthorized', adminKey.get()
    ? 'Unauthorized: the service refused the admin key.'
    : 'Unauthorized: this service asks for its admin key.', 'Enter admin key', openKeyDialog);
  if (first) {
    // Once per refusal: an operator who chose "Not now" keeps the banner's button, not a prompt that comes back.
    openKeyDialog();
  }
}

function showBanner(kind, text, action, onAction) {
  const banner = $('banner');
  banner.hidden = false;
  banner.dataset.kind = kind;
  $('banner-text').textContent = text;
  const button = $('banner-action');
  button.hidden = !action;
  button.textContent = action ?? '';
  button.onclick = onAction ?? null;
}

function hideBanner() {
  const banner = $('banner');
  banner.hidden = true;
  delete banner.dataset.kind;
}

function openKeyDialog() {
  const dialog = $('key-dialog');
  $('key-error').textContent = adminKey.get() ? 'The service refused this key.' : '';
  if (!dialog.open) {
    dialog.showModal();
  }
  $('admin-key').focus();
}

function setUpKeyDialog() {
  const dialog = $('key-dialog');
  const input = $('admin-key');
  const forget = $('forget-key');
  forget.hidden = !adminKey.get();
  $('key-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      $('key-error').textContent = 'Enter the key.';
      return;
    }
    adminKey.set(key);
    $('key-submit').disabled = true;
    try {
      await api('/admin/bans');
      unauthorized = false;
      bans.pause(false);
      input.value = '';
      dialog.close();
      forget.hidden = false;
      hideBanner();
      if (await loadAll()) {
        connection.restart();
      }
    } catch (error) {
      if (error instanceof Unauthorized) {
        $('key-error').textContent = 'The service refused this key.';
        input.select();
      } else {
        $('key-error').textContent = error instanceof ApiError ? error.message : 'The service cannot be reached.';
      }
    } finally {
      $('key-submit').disabled = false;
    }
  });
  $('key-cancel').addEventListener('click', () => dialog.close());
  forget.addEventListener('click', () => {
    adminKey.clear();
    forget.hidden = true;
    connection.stop();
    unauthorized = false;
    bans.pause(false);
    start();
  });
}

function setUpTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute('aria-controls')).hidden = !selected;
    }
    if (focus) {
      tab.focus();
    }
    const hash = `#${tab.getAttribute('aria-controls')}`;
    if (location.hash !== hash) {
      history.replaceState(null, '', hash);
    }
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (event) => {
      const index = tabs.indexOf(tab);
      const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next !== undefined) {
        event.preventDefault();
        select(tabs[(next + tabs.length) % tabs.length], true);
      }
    });
  }
  const fromHash = tabs.find((tab) => `#${tab.getAttribute('aria-controls')}` === location.hash);
  select(fromHash ?? tabs[0], false);
}

/** A short message at the bottom of the page. */
function notify(text, kind = 'ok') {
  let area = document.querySelector('.toasts');
  if (!area) {
    area = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(area);
  }
  const toast = h('div', { class: `toast toast-${kind}` }, text);
  area.append(toast);
  setTimeout(() => toast.remove(), 5000);
}

/** Asks before something irreversible; resolves to true or false. */
function confirm(text) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    const done = (answer) => {
      $('confirm-yes').onclick = null;
      $('confirm-no').onclick = null;
      dialog.onclose = null;
      if (dialog.open) {
        dialog.close();
      }
      resolve(answer);
    };
    $('confirm-yes').onclick = () => done(true);
    $('confirm-no').onclick = () => done(false);
    dialog.onclose = () => done(false);
    dialog.showModal();
  });
}
