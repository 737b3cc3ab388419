// The client tester: sends N requests, one after another, as this browser or as a chosen client, and lists what
// Floodgate answered: the status and the rate limit headers. It never sends the admin key.

import { formatInteger, h, setRows } from './dom.js';

const HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit-Policy', 'RateLimit', 'Retry-After'];
const MAX_REQUESTS = 200;

export class ClientTester {
  #form;
  #table;
  #rows = [];
  #running = false;

  constructor({ form, table }) {
    this.#form = form;
    this.#table = table;
    const identity = document.getElementById('tester-identity');
    const random = document.getElementById('tester-random');
    for (const radio of form.querySelectorAll('input[name="identity"]')) {
      radio.addEventListener('change', () => {
        const chosen = this.#identityKind() !== 'none';
        identity.disabled = !chosen;
        random.disabled = !chosen;
        if (chosen && !identity.value) {
          identity.value = newClientName();
        }
      });
    }
    random.addEventListener('click', () => {
      identity.value = newClientName();
    });
    const method = form.elements.namedItem('method');
    const path = form.elements.namedItem('path');
    path.addEventListener('change', () => {
      // The demo routes that take a POST: choose it for the operator.
      if (['/api/submit', '/api/resource', '/auth/login'].includes(path.value.trim()) && method.value === 'GET') {
        method.value = 'POST';
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#send();
    });
    document.getElementById('tester-clear').addEventListener('click', () => {
      this.#rows = [];
      setRows(this.#table, []);
      document.getElementById('tester-summary').textContent = '';
    });
  }

  #identityKind() {
    return this.#form.querySelector('input[name="identity"]:checked')?.value ?? 'none';
  }

  #headers() {
    const headers = {};
    const value = document.getElementById('tester-identity').value.trim();
    const kind = this.#identityKind();
    if (kind === 'apikey' && value) {
      headers['X-API-Key'] = value;
    } else if (kind === 'clientid' && value) {
      headers['X-Client-ID'] = value;
    }
    return headers;
  }

  async #send() {
    if (this.#running) {
      return;
    }
    const fields = this.#form.elements;
    const method = fields.namedItem('method').value;
    const path = fields.namedItem('path').value.trim();
    const count = Number(fields.namedItem('count').value);
    const body = fields.namedItem('body').value.trim();
    const error = document.getElementById('tester-error');
    error.textContent = '';
    document.getElementById('tester-path-error').textContent = '';

    if (!path.startsWith('/') || path.startsWith('//')) {
      document.getElementById('tester-path-error').textContent = 'A path on this service, starting with /.';
      return;
    }
    if (!Number.isInteger(count) || count < 1 || count > MAX_REQUESTS) {
      error.textContent = `Send between 1 and ${MAX_REQUESTS} requests.`;
      return;
    }
    if (body && (method === 'GET' || method === 'HEAD')) {
      error.textContent = `A ${method} request has no body: choose POST, PUT or PATCH, or empty the body.`;
      return;
    }

    const headers = this.#headers();
    if (body) {
      headers['Content-Type'] = 'application/json';
    }

    this.#running = true;
    const button = document.getElementById('tester-send');
    button.disabled = true;
    button.textContent = 'Sending…';
    this.#rows = [];
    setRows(this.#table, []);
    try {
      await this.#whoAmI(headers);
      for (let i = 1; i <= count; i++) {
        this.#rows.push(await this.#one(i, method, path, headers, body));
        setRows(this.#table, this.#rows.map(render));
        this.#summarise();
      }
    } finally {
      this.#running = false;
      button.disabled = false;
      button.textContent = 'Send';
    }
  }

  async #one(index, method, path, headers, body) {
    const started = performance.now();
    try {
      const response = await fetch(path, {
        method,
        headers,
        body: body || undefined,
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'manual',
      });
      const values = Object.fromEntries(HEADERS.map((name) => [name, response.headers.get(name)]));
      await response.arrayBuffer();
      return { index, status: response.status, statusText: response.statusText, headers: values, ms: performance.now() - started };
    } catch (failure) {
      return { index, status: 0, statusText: `failed: ${failure.message}`, headers: {}, ms: performance.now() - started };
    }
  }

  /** Asks /rate-limit/status (which consumes nothing) whom the service takes these headers for. */
  async #whoAmI(headers) {
    const line = document.getElementById('tester-whoami');
    try {
      const response = await fetch('/rate-limit/status', { headers: { ...headers, Accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
      const status = await response.json();
      line.replaceChildren('Floodgate counts these requests as ', h('code', {}, String(status.client)),
        status.banned ? ' (banned now)' : '', '.');
      line.dataset.client = String(status.client);
    } catch {
      line.textContent = '';
      delete line.dataset.client;
    }
  }

  #summarise() {
    const byStatus = new Map();
    for (const row of this.#rows) {
      byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
    }
    const parts = [...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${formatInteger(n)} × ${status || 'failed'}`);
    document.getElementById('tester-summary').textContent = `${this.#rows.length} sent: ${parts.join(', ')}`;
  }
}

function render(row) {
  const kind = row.status === 0 ? 'failed' : row.status < 300 ? 'ok' : row.status === 429 || row.status === 420 || row.status === 503 ? 'limited' : 'other';
  const cell = (name, extra = '') => h('td', { class: extra, dataset: { header: name } }, row.headers[name] ?? '–');
  return h('tr', { class: `result-${kind}`, dataset: { status: String(row.status) } },
    h('td', { class: 'num' }, String(row.index)),
    h('td', { class: 'status', title: row.statusText || undefined }, h('span', { class: `status-badge status-${kind}` }, row.status ? String(row.status) : 'error'),
      row.status === 0 ? h('span', { class: 'muted' }, ` ${row.statusText}`) : ''),
    cell('X-RateLimit-Limit', 'num'),
    cell('X-RateLimit-Remaining', 'num'),
    resetCell(row.headers['X-RateLimit-Reset']),
    cell('RateLimit-Policy', 'mono'),
    cell('RateLimit', 'mono'),
    cell('Retry-After', 'num'),
    h('td', { class: 'num' }, String(Math.round(row.ms))));
}

/** X-RateLimit-Reset is Unix seconds: shown as sent, with the local time it names as a tooltip. */
function resetCell(value) {
  const seconds = Number(value);
  const title = value && Number.isFinite(seconds) ? new Date(seconds * 1000).toString() : undefined;
  return h('td', { class: 'num', title, dataset: { header: 'X-RateLimit-Reset' } }, value ?? '–');
}

function newClientName() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `tester-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
