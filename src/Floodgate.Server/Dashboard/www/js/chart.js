// Allowed and denied requests per second over the last 5 minutes, drawn with uPlot. One point per second counted by
// the service (the stats events' "second"); seconds the page has not heard of stay empty.

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { coalesce } from './dom.js';

export const WINDOW_SECONDS = 300;
const HEIGHT = 260;
const ALLOWED = '#1a8a5a';
const DENIED = '#d0413c';

function tickLabel(seconds) {
  const date = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return date.getSeconds() === 0 ? `${pad(date.getHours())}:${pad(date.getMinutes())}` : `:${pad(date.getSeconds())}`;
}

export class TrafficChart {
  #element;
  #emptyNote;
  #points = new Map(); // epoch second -> [allowed, denied]
  #latest = 0;
  #plot = null;
  #listeners = [];
  #render = coalesce(() => this.#draw());

  constructor(element, emptyNote) {
    this.#element = element;
    this.#emptyNote = emptyNote;
    new ResizeObserver(() => this.#resize()).observe(element);
  }

  /** Called with { allowed, denied, points, latest } after each change (for the summary tiles). */
  onChange(listener) {
    this.#listeners.push(listener);
  }

  /** Adds a stats event (from the history or the stream). */
  add(stats) {
    const second = Math.floor(Date.parse(stats.second) / 1000);
    if (!Number.isFinite(second)) {
      return;
    }
    this.#points.set(second, [Number(stats.allowed) || 0, Number(stats.denied) || 0]);
    if (second > this.#latest) {
      this.#latest = second;
      for (const old of this.#points.keys()) {
        if (old <= second - WINDOW_SECONDS) {
          this.#points.delete(old);
        }
      }
    }
    this.#render();
  }

  #series() {
    const first = this.#latest - WINDOW_SECONDS + 1;
    const xs = new Array(WINDOW_SECONDS);
    const allowed = new Array(WINDOW_SECONDS);
    const denied = new Array(WINDOW_SECONDS);
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      const point = this.#points.get(first + i);
      xs[i] = first + i;
      allowed[i] = point ? point[0] : null;
      denied[i] = point ? point[1] : null;
    }
    return [xs, allowed, denied];
  }

  #draw() {
    const data = this.#series();
    let allowed = 0;
    let denied = 0;
    for (const [a, d] of this.#points.values()) {
      allowed += a;
      denied += d;
    }
    const latest = this.#points.get(this.#latest) ?? [0, 0];

    if (this.#plot) {
      this.#plot.setData(data);
    } else if (this.#points.size > 0) {
      this.#plot = new uPlot(this.#options(), data, this.#element);
    }

    // What the chart shows, for people (the note) and for tests (the data attributes).
    this.#emptyNote.hidden = this.#points.size > 0;
    this.#element.dataset.points = String(this.#points.size);
    this.#element.dataset.allowed = String(allowed);
    this.#element.dataset.denied = String(denied);
    this.#element.dataset.latest = String(this.#latest);
    for (const listener of this.#listeners) {
      listener({ allowed, denied, points: this.#points.size, lastAllowed: latest[0], lastDenied: latest[1] });
    }
  }

  #resize() {
    if (this.#plot) {
      const width = Math.max(200, this.#element.clientWidth);
      if (width !== this.#plot.width) {
        this.#plot.setSize({ width, height: HEIGHT });
      }
    }
  }

  #options() {
    const grid = { stroke: '#e6e9ef', width: 1 };
    const axis = { stroke: '#5b6472', grid, ticks: { stroke: '#d5d9e0', width: 1, size: 4 }, font: '12px system-ui, sans-serif' };
    return {
      width: Math.max(200, this.#element.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true },
        y: { range: (_, __, max) => [0, Math.max(5, Math.ceil((max || 0) * 1.15))] },
      },
      series: [
        { label: 'Time' },
        { label: 'Allowed', stroke: ALLOWED, fill: 'rgba(26, 138, 90, 0.12)', width: 2, points: { show: false }, value: (_, v) => (v == null ? '–' : v) },
        { label: 'Denied', stroke: DENIED, fill: 'rgba(208, 65, 60, 0.12)', width: 2, points: { show: false }, value: (_, v) => (v == null ? '–' : v) },
      ],
      axes: [
        // Whole minutes as 14:05, other ticks as :30; uPlot's default adds a date line that crowds a 5-minute window.
        { ...axis, space: 50, values: (_, ticks) => ticks.map(tickLabel) },
        { ...axis, label: 'requests / s', labelSize: 18, labelFont: '12px system-ui, sans-serif', size: 48 },
      ],
    };
  }
}
