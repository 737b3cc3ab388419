// The live stream: WebSocket /ws/global, or Server-Sent Events /events where WebSockets do not get through. On any
// loss it asks the admin API why (down, or the key refused), shows it, and reconnects with exponential backoff.

import { probe, streamUrl } from './api.js';

const EVENT_TYPES = ['allowed', 'denied', 'near_limit', 'banned', 'unbanned', 'config_changed', 'stats', 'dropped'];
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;
// stats arrives every second: this long without any message means the connection is dead even if TCP has not said so.
const SILENCE_MS = 10000;

/**
 * States reported to onState: { state: 'connecting' | 'live' | 'reconnecting' | 'unauthorized', transport, retryInMs, attempt }.
 */
export class LiveConnection {
  #onEvent;
  #onState;
  #transport;
  #source = null;
  #attempt = 0;
  #socketRefusals = 0;
  #retryTimer = 0;
  #watchdog = 0;
  #lastMessage = 0;
  #stopped = true;

  constructor({ onEvent, onState, transport = 'ws' }) {
    this.#onEvent = onEvent;
    this.#onState = onState;
    this.#transport = transport === 'sse' || typeof WebSocket !== 'function' ? 'sse' : 'ws';
  }

  get transport() {
    return this.#transport;
  }

  start() {
    this.#stopped = false;
    this.#attempt = 0;
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#watchdog);
    this.#close();
  }

  /** Reconnects at once (after the operator entered a key). */
  restart() {
    this.stop();
    this.start();
  }

  #connect() {
    if (this.#stopped) {
      return;
    }
    this.#report(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    if (this.#transport === 'ws') {
      this.#openWebSocket();
    } else {
      this.#openEventSource();
    }
  }

  #openWebSocket() {
    const socket = new WebSocket(streamUrl('/ws/global', 'ws'));
    let opened = false;
    this.#source = socket;
    socket.addEventListener('open', () => {
      opened = true;
      this.#connected();
    });
    socket.addEventListener('message', (message) => this.#receive(message.data));
    socket.addEventListener('close', () => {
      if (this.#source === socket) {
        this.#lost(opened);
      }
    });
  }

  #openEventSource() {
    const source = new EventSource(streamUrl('/events', 'http'));
    let opened = false;
    this.#source = source;
    source.addEventListener('open', () => {
      opened = true;
      this.#connected();
    });
    const receive = (message) => this.#receive(message.data);
    source.addEventListener('message', receive);
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, receive);
    }
    // EventSource retries by itself, but without telling why it failed: handle every failure the same way as a
    // WebSocket's, with the probe and the backoff.
    source.addEventListener('error', () => {
      if (this.#source === source) {
        source.close();
        this.#lost(opened);
      }
    });
  }

  #connected() {
    this.#attempt = 0;
    this.#socketRefusals = 0;
    this.#lastMessage = performance.now();
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => {
      if (performance.now() - this.#lastMessage > SILENCE_MS && this.#source) {
        this.#close();
        this.#lost(true);
      }
    }, 1000);
    this.#report('live');
  }

  #receive(data) {
    this.#lastMessage = performance.now();
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (event && typeof event.type === 'string') {
      this.#onEvent(event);
    }
  }

  async #lost(wasOpen) {
    clearInterval(this.#watchdog);
    this.#source = null;
    if (this.#stopped) {
      return;
    }
    this.#attempt += 1;
    this.#report('reconnecting', { retryInMs: null });

    const answer = await probe();
    if (this.#stopped) {
      return;
    }
    if (answer === 'unauthorized') {
      this.stop();
      this.#report('unauthorized');
      return;
    }
    if (answer === 'ok' && !wasOpen && this.#transport === 'ws' && ++this.#socketRefusals >= 2) {
      // The service answers but WebSockets never open (a proxy that does not pass upgrades): use SSE.
      this.#transport = 'sse';
      this.#attempt = 1;
    }

    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.#attempt - 1)) * (0.8 + Math.random() * 0.4);
    this.#report('reconnecting', { retryInMs: Math.round(delay) });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #close() {
    const source = this.#source;
    this.#source = null;
    if (source) {
      source.close();
    }
  }

  #report(state, extra = {}) {
    this.#onState({ state, transport: this.#transport, attempt: this.#attempt, ...extra });
  }
}
