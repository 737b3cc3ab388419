// The live event log: newest first, at most 200 rows shown, filtered by type and by a search text. Events arrive up
// to a thousand a second during an attack, so they are buffered and drawn once per animation frame.

import { coalesce, formatClock, formatDuration, h, showEmpty } from './dom.js';

const SHOWN = 200;
const KEPT = 2000;

export class EventLog {
  #list;
  #events = []; // oldest first, at most KEPT
  #pending = [];
  #types;
  #search = '';
  #paused = false;
  #flush = coalesce(() => this.#drawNew());

  constructor(list) {
    this.#list = list;
    this.#types = new Set([...document.querySelectorAll('input[name="log-type"]:checked')].map((box) => box.value));
    for (const box of document.querySelectorAll('input[name="log-type"]')) {
      box.addEventListener('change', () => {
        box.checked ? this.#types.add(box.value) : this.#types.delete(box.value);
        this.#redraw();
      });
    }
    const search = document.getElementById('log-search');
    search.addEventListener('input', () => {
      this.#search = search.value.trim().toLowerCase();
      this.#redraw();
    });
    const pause = document.getElementById('log-pause');
    pause.addEventListener('click', () => {
      this.#paused = !this.#paused;
      pause.setAttribute('aria-pressed', String(this.#paused));
      pause.textContent = this.#paused ? 'Resume' : 'Pause';
      if (!this.#paused) {
        this.#redraw();
      }
    });
    document.getElementById('log-clear').addEventListener('click', () => {
      this.#events = [];
      this.#pending = [];
      this.#redraw();
    });
    showEmpty('log', true);
  }

  /** Shows only the events that mention text (a client id, an endpoint). */
  filter(text) {
    const search = document.getElementById('log-search');
    search.value = text;
    search.dispatchEvent(new Event('input'));
  }

  add(event) {
    this.#events.push(event);
    if (this.#events.length > KEPT) {
      this.#events.splice(0, this.#events.length - KEPT);
    }
    if (!this.#paused && this.#matches(event)) {
      this.#pending.push(event);
      this.#flush();
    }
  }

  #matches(event) {
    if (!this.#types.has(event.type)) {
      return false;
    }
    if (!this.#search) {
      return true;
    }
    return [event.client, event.endpoint, event.policy, event.reason].some((value) => typeof value === 'string' && value.toLowerCase().includes(this.#search));
  }

  #drawNew() {
    if (this.#pending.length === 0 || this.#paused) {
      return;
    }
    const batch = this.#pending.slice(-SHOWN).reverse();
    this.#pending = [];
    this.#list.prepend(...batch.map(row));
    while (this.#list.childElementCount > SHOWN) {
      this.#list.lastElementChild.remove();
    }
    showEmpty('log', false);
  }

  #redraw() {
    this.#pending = [];
    const shown = [];
    for (let i = this.#events.length - 1; i >= 0 && shown.length < SHOWN; i--) {
      if (this.#matches(this.#events[i])) {
        shown.push(this.#events[i]);
      }
    }
    this.#list.replaceChildren(...shown.map(row));
    showEmpty('log', shown.length === 0);
  }
}

function row(event) {
  const time = new Date(event.time ?? Date.now());
  return h('li', { class: `event event-${event.type}`, dataset: { type: event.type } },
    h('time', { datetime: Number.isNaN(time.getTime()) ? undefined : time.toISOString() }, Number.isNaN(time.getTime()) ? '' : formatClock(time, true)),
    h('span', { class: `badge badge-${event.type}` }, event.type === 'config_changed' ? 'config' : event.type.replace('_', ' ')),
    h('span', { class: 'event-text' }, describe(event)));
}

function describe(event) {
  switch (event.type) {
    case 'allowed':
      return `${event.endpoint ?? '?'} · ${event.client ?? '?'} · ${event.status ?? 200} · ${event.remaining ?? '?'}/${event.limit ?? '?'} left (${event.policy ?? 'default'})`;
    case 'denied':
      return `${event.endpoint ?? '?'} · ${event.client ?? '?'} · ${event.status ?? 429} ${event.reason ?? ''} · retry in ${formatDuration(event.retry_after ?? 0)} (${event.layer ?? 'client'} ${event.policy ?? ''})`;
    case 'near_limit':
      return `${event.client ?? '?'} · used ${event.used ?? '?'} of ${event.limit ?? '?'} per ${formatDuration(event.window_seconds ?? 0)} (${event.policy ?? 'default'}) · ${event.endpoint ?? '?'}`;
    case 'banned': {
      const until = new Date(event.until);
      return `${event.client} banned until ${Number.isNaN(until.getTime()) ? '?' : formatClock(until)}, strike ${event.strike ?? 1}: ${event.reason ?? ''}`;
    }
    case 'unbanned':
      return `${event.client} unbanned`;
    case 'config_changed':
      return `policy ${event.policy} ${event.action}`;
    case 'dropped':
      return `${event.count} events dropped: this page fell behind the stream`;
    case 'stats':
      return `${event.allowed} allowed, ${event.denied} denied in ${event.second}; ${event.listeners ?? '?'} listeners`;
    default:
      return JSON.stringify(event).slice(0, 200);
  }
}
