// Small DOM and formatting helpers. Text always goes in as textContent: client ids, paths and reasons come from
// requests that anyone can send, so nothing here ever parses them as HTML.

/** Creates an element: h('td', { class: 'num', title: 'x' }, 'text', otherNode). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** Replaces the rows of a table body and shows its "empty" note when there are none. */
export function setRows(table, rows) {
  const body = table.tBodies[0];
  body.replaceChildren(...rows);
  showEmpty(table.id, rows.length === 0);
}

/** Shows or hides the note marked data-empty-for="id". */
export function showEmpty(id, empty) {
  const note = document.querySelector(`[data-empty-for="${id}"]`);
  if (note) {
    note.hidden = !empty;
  }
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const formatInteger = (value) => integer.format(value);
export const formatDecimal = (value) => decimal.format(value);

/** 14:03:07 in the browser's time zone. */
export function formatClock(date, withMilliseconds = false) {
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  const text = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return withMilliseconds ? `${text}.${pad(date.getMilliseconds(), 3)}` : text;
}

/** "42 s", "14 min 5 s", "2 h 3 min". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return s % 60 === 0 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  }
  const minutes = Math.floor((s % 3600) / 60);
  return minutes === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${minutes} min`;
}

/** Calls fn at most once per animation frame however often it is asked. */
export function coalesce(fn) {
  let pending = false;
  return () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        fn();
      });
    }
  };
}

/** Calls fn once, delay ms after the last request. */
export function debounce(fn, delay) {
  let timer = 0;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, delay);
  };
}
