// Active bans (GET /admin/bans) with an Unban button (DELETE /admin/bans/{clientId}). Refreshed on banned and
// unbanned events, on reconnection, and every 15 s so that bans that ran out leave the table.

import { api, ApiError } from './api.js';
import { debounce, formatClock, formatDuration, h, setRows } from './dom.js';

const REFRESH_MS = 15000;

export class BanList {
  #table;
  #bans = [];
  #onCount;
  #notify;
  #paused = false;

  constructor({ table, onCount, notify }) {
    this.#table = table;
    this.#onCount = onCount;
    this.#notify = notify;
    this.refreshSoon = debounce(() => this.refresh(), 150);
    setInterval(() => this.#draw(), 5000);
    setInterval(() => {
      if (!this.#paused) {
        this.refresh();
      }
    }, REFRESH_MS);
  }

  /** Stops the periodic refresh (while the service refuses the page) or starts it again. */
  pause(paused) {
    this.#paused = paused;
  }

  async refresh() {
    try {
      const bans = await api('/admin/bans');
      this.#bans = Array.isArray(bans) ? bans.map(normalise) : [];
      this.#draw();
    } catch (error) {
      if (!(error instanceof ApiError)) {
        // Unauthorized or unreachable: the page's banner says so; keep what is shown.
        return;
      }
      this.#notify(`Could not list bans: ${error.message}`, 'error');
    }
  }

  #draw() {
    const now = Date.now();
    const live = this.#bans.filter((ban) => ban.expiresAt > now);
    this.#onCount(live.length);
    setRows(this.#table, live.map((ban) => {
      const ends = new Date(ban.expiresAt);
      return h('tr', { dataset: { client: ban.client } },
        h('td', { class: 'name mono', title: ban.reason ? `${ban.client}: ${ban.reason}` : ban.client }, ban.client),
        h('td', { title: ends.toString() }, formatClock(ends), h('span', { class: 'ends-left' }, `in ${left((ban.expiresAt - now) / 1000)}`)),
        h('td', { class: 'num' }, String(ban.strike)),
        h('td', { class: 'actions' }, h('button', {
          type: 'button',
          class: 'small danger-outline',
          'aria-label': `Unban ${ban.client}`,
          onclick: (event) => this.#unban(ban.client, event.currentTarget),
        }, 'Unban')));
    }));
  }

  async #unban(client, button) {
    button.disabled = true;
    let gone = false;
    try {
      await api(`/admin/bans/${encodeURIComponent(client)}`, { method: 'DELETE' });
      gone = true;
      this.#notify(`${client} unbanned.`, 'ok');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        gone = true;
        this.#notify(`${client} was no longer banned.`, 'ok');
      } else if (error instanceof ApiError) {
        this.#notify(`Could not unban ${client}: ${error.message}`, 'error');
      }
      button.disabled = gone;
    }
    if (gone) {
      this.#bans = this.#bans.filter((ban) => ban.client !== client);
      this.#draw();
    }
    this.refreshSoon();
  }
}

/** Time left, in whole minutes once it is more than one. */
function left(seconds) {
  return formatDuration(seconds < 60 ? seconds : Math.ceil(seconds / 60) * 60);
}

function normalise(ban) {
  return {
    client: String(ban.clientId ?? ban.client_id ?? ban.client ?? ''),
    expiresAt: Date.parse(ban.expiresAt ?? ban.expires_at ?? ban.until),
    strike: ban.strike ?? 1,
    reason: ban.reason ?? '',
  };
}
