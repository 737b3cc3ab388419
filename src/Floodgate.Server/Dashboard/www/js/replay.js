// What candidate policies would have done to the recorded traffic (POST /admin/replay): the totals, each policy's
// requests and changed decisions, and the clients most affected.

import { formatClock, formatInteger, h, setRows } from './dom.js';

export class ReplayView {
  #card;

  constructor(card) {
    this.#card = card;
  }

  hide() {
    this.#card.hidden = true;
  }

  show(report) {
    const total = report.total ?? {};
    const from = new Date(report.from);
    const to = new Date(report.to);
    document.getElementById('replay-range').textContent = Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())
      ? ''
      : `${formatClock(from)} – ${formatClock(to)}, ${report.instances ?? 1} instance${report.instances === 1 ? '' : 's'}`;

    const summary = document.getElementById('replay-summary');
    summary.dataset.newlyDenied = String(total.newly_denied ?? 0);
    summary.dataset.newlyAdmitted = String(total.newly_admitted ?? 0);
    summary.replaceChildren(...(total.changed
      ? [`${formatInteger(total.requests)} requests replayed: `,
        h('span', { class: 'denied' }, `${formatInteger(total.newly_denied)} newly denied`), ', ',
        h('span', { class: 'allowed' }, `${formatInteger(total.newly_admitted)} newly admitted`), '.']
      : [`${formatInteger(total.requests ?? 0)} requests replayed: no decision would change.`]));

    setRows(document.getElementById('replay-policies'), (report.policies ?? []).map((group) =>
      h('tr', { dataset: { policy: group.name } },
        h('td', { class: 'mono' }, group.name),
        h('td', { class: 'num' }, formatInteger(group.tally.requests)),
        h('td', { class: 'num' }, formatInteger(group.tally.denied)),
        h('td', { class: 'num denied' }, formatInteger(group.tally.newly_denied)),
        h('td', { class: 'num allowed' }, formatInteger(group.tally.newly_admitted)))));

    setRows(document.getElementById('replay-clients'), (report.clients ?? []).filter((group) => group.tally.changed > 0).map((group) =>
      h('tr', { dataset: { client: group.name } },
        h('td', { class: 'mono' }, group.name),
        h('td', { class: 'num' }, formatInteger(group.tally.requests)),
        h('td', { class: 'num denied' }, formatInteger(group.tally.newly_denied)),
        h('td', { class: 'num allowed' }, formatInteger(group.tally.newly_admitted)))));
    this.#card.hidden = false;
  }
}
