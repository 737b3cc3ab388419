// Clients that came near a limit (near_limit events, at most one per client, policy and limit per window): the
// latest first, one row per client and policy.

import { formatClock, h, setRows } from './dom.js';

const SHOWN = 20;

export class NearLimitList {
  #table;
  #rows = []; // newest first: { client, policy, used, limit, time }

  constructor(table) {
    this.#table = table;
    setRows(table, []);
  }

  add(event) {
    const key = `${event.client}\u0000${event.policy}`;
    this.#rows = [event, ...this.#rows.filter((row) => `${row.client}\u0000${row.policy}` !== key)].slice(0, SHOWN);
    setRows(this.#table, this.#rows.map((row) => {
      const time = new Date(row.time ?? Date.now());
      return h('tr', { dataset: { client: row.client ?? '' } },
        h('td', { class: 'mono', title: row.endpoint ?? '' }, row.client ?? '?'),
        h('td', { class: 'mono' }, row.policy ?? 'default'),
        h('td', { class: 'num' }, `${row.used ?? '?'} / ${row.limit ?? '?'}`),
        h('td', {}, Number.isNaN(time.getTime()) ? '' : formatClock(time)));
    }));
  }
}
