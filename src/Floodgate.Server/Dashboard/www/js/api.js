// The admin API: every call carries the admin key, if the operator gave one, as X-Admin-Key. A 401 raises
// Unauthorized and tells the page (which asks for the key); other failures raise ApiError with the problem+json body.

const KEY_ITEM = 'floodgate.adminKey';

/** Fires 'unauthorized' when the API refuses the key (or its absence). */
export const authEvents = new EventTarget();

export class Unauthorized extends Error {
  constructor() {
    super('The admin API refused the request (401).');
    this.name = 'Unauthorized';
  }
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The admin API answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

// Where storage is disabled the key lives in this variable, as long as the page.
let memoryKey = '';

/** The admin key of this tab, kept in sessionStorage (gone when the tab closes). */
export const adminKey = {
  get() {
    try {
      return sessionStorage.getItem(KEY_ITEM) || '';
    } catch {
      return '';
    }
  },
  set(key) {
    try {
      sessionStorage.setItem(KEY_ITEM, key);
    } catch {
      // Storage disabled: the key lives as long as this page does.
    }
    memoryKey = key;
  },
  clear() {
    try {
      sessionStorage.removeItem(KEY_ITEM);
    } catch {
      // nothing stored
    }
    memoryKey = '';
  },
};

function currentKey() {
  return adminKey.get() || memoryKey;
}

/** Calls the admin API; resolves to the parsed JSON body (null for 204). */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const key = currentKey();
  if (key) {
    headers['X-Admin-Key'] = key;
  }
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  const response = await fetch(path, init);
  if (response.status === 401) {
    authEvents.dispatchEvent(new Event('unauthorized'));
    throw new Unauthorized();
  }

  const data = response.status === 204 ? null : await readJson(response);
  if (!response.ok) {
    throw new ApiError(response.status, data);
  }
  return data;
}

async function readJson(response) {
  const text = await response.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

/**
 * The URL of a stream on this host, with the key as ?key= (WebSocket and EventSource cannot send headers).
 * protocol: 'ws' for a WebSocket URL (wss: under https:), 'http' for EventSource.
 */
export function streamUrl(path, protocol) {
  const url = new URL(path, location.href);
  if (protocol === 'ws') {
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  }
  const key = currentKey();
  if (key) {
    url.searchParams.set('key', key);
  }
  return url.toString();
}

/**
 * Whether the service can be reached and lets this page in: 'ok', 'unauthorized' or 'down'. Used after a stream
 * failed, since neither WebSocket nor EventSource tells why.
 */
export async function probe() {
  try {
    await api('/admin/bans');
    return 'ok';
  } catch (error) {
    if (error instanceof Unauthorized) {
      return 'unauthorized';
    }
    return error instanceof ApiError && error.status < 500 ? 'ok' : 'down';
  }
}
