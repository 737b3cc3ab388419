// The summary tiles and the endpoint and client tables. The tables add up the stats events of the last 60 seconds:
// a single second flickers too much to read, and an attack shows as a client that stays on top.

import { coalesce, formatDecimal, formatInteger, h, setRows } from './dom.js';
import { WINDOW_SECONDS } from './chart.js';

const TABLE_SECONDS = 60;
const MAX_ROWS = 10;

export class Overview {
  #seconds = new Map(); // epoch second -> stats event
  #latest = null;
  #render = coalesce(() => this.#draw());
  #onClient;

  /** onClient(name) is called when the operator asks to follow a client in the event log. */
  constructor({ onClient }) {
    this.#onClient = onClient;
  }

  add(stats) {
    const second = Math.floor(Date.parse(stats.second) / 1000);
    if (!Number.isFinite(second)) {
      return;
    }
    this.#seconds.set(second, stats);
    if (!this.#latest || second >= Math.floor(Date.parse(this.#latest.second) / 1000)) {
      this.#latest = stats;
    }
    for (const old of this.#seconds.keys()) {
      if (old <= second - TABLE_SECONDS) {
        this.#seconds.delete(old);
      }
    }
    this.#render();
  }

  /** The chart's totals over its 5 minutes. */
  totals({ allowed, denied, points, lastAllowed, lastDenied }) {
    text('tile-now-allowed', formatInteger(lastAllowed));
    text('tile-now-denied', formatInteger(lastDenied));
    text('tile-allowed', formatInteger(allowed));
    text('tile-denied', formatInteger(denied));
    const seconds = Math.max(1, Math.min(points, WINDOW_SECONDS));
    text('tile-allowed-rate', `${formatDecimal(allowed / seconds)} req/s on average`);
    const total = allowed + denied;
    text('tile-denied-share', `${total === 0 ? 0 : formatDecimal((100 * denied) / total)} % of requests`);
  }

  bans(count) {
    text('tile-bans', formatInteger(count));
  }

  #draw() {
    const latest = this.#latest;
    if (latest) {
      text('tile-listeners', formatInteger(latest.listeners ?? 0));
      text('tile-instances', `instances: ${latest.instances ?? 1}, dropped: ${formatInteger(latest.dropped ?? 0)}`);
    }
    const endpoints = new Map();
    const clients = new Map();
    for (const stats of this.#seconds.values()) {
      sum(endpoints, stats.endpoints);
      sum(clients, stats.top_clients);
    }
    setRows(document.getElementById('endpoints'), top(endpoints).map(([name, [a, d]]) =>
      h('tr', {}, h('td', { class: 'name', title: name }, name), h('td', { class: 'num allowed' }, formatInteger(a)), h('td', { class: 'num denied' }, formatInteger(d)))));
    setRows(document.getElementById('clients'), top(clients).map(([name, [a, d]]) =>
      h('tr', {},
        h('td', { class: 'name' }, h('button', { type: 'button', class: 'link-button mono', title: `Show the events of ${name}`, onclick: () => this.#onClient(name) }, name)),
        h('td', { class: 'num allowed' }, formatInteger(a)),
        h('td', { class: 'num denied' }, formatInteger(d)))));
  }
}

function sum(into, rows) {
  if (!Array.isArray(rows)) {
    return;
  }
  for (const row of rows) {
    if (row && typeof row.name === 'string') {
      const counts = into.get(row.name) ?? [0, 0];
      counts[0] += Number(row.allowed) || 0;
      counts[1] += Number(row.denied) || 0;
      into.set(row.name, counts);
    }
  }
}

function top(map) {
  return [...map.entries()]
    .sort((x, y) => y[1][0] + y[1][1] - (x[1][0] + x[1][1]) || x[0].localeCompare(y[0]))
    .slice(0, MAX_ROWS);
}

function text(id, value) {
  document.getElementById(id).textContent = value;
}
