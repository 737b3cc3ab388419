// Run-time policies: list (GET /admin/configs), create (POST), replace (PUT /admin/configs/{id}) and delete, and try
// the policy in the form on the recorded traffic before saving it (POST /admin/replay). The service validates every
// field; its 400 problem+json "errors" object is shown next to the fields it names.

import { api, ApiError } from './api.js';
import { debounce, formatClock, h, setRows } from './dom.js';
import { ReplayView } from './replay.js';

const NUMBER_FIELDS = ['limit', 'burst', 'cost'];

export class PolicyEditor {
  #table;
  #form;
  #confirm;
  #notify;
  #editing = null; // id of the policy in the form, or null for a new one
  #policies = []; // sorted by id, as listed
  #stored = []; // in the service's order, first match wins
  #replay;

  constructor({ table, form, confirm, notify, replay }) {
    this.#table = table;
    this.#form = form;
    this.#confirm = confirm;
    this.#notify = notify;
    this.#replay = new ReplayView(replay);
    document.getElementById('policy-try').addEventListener('click', () => this.#try());
    this.refreshSoon = debounce(() => this.refresh(), 150);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#save();
    });
    document.getElementById('policy-cancel').addEventListener('click', () => this.create());
    document.getElementById('policy-new').addEventListener('click', () => {
      this.create();
      form.elements.namedItem('id').focus();
    });
  }

  async refresh() {
    try {
      const policies = await api('/admin/configs');
      this.#stored = Array.isArray(policies) ? policies : [];
      this.#policies = [...this.#stored];
      this.#policies.sort((a, b) => String(a.id).localeCompare(String(b.id)));
      this.#draw();
    } catch (error) {
      if (error instanceof ApiError) {
        this.#notify(`Could not list policies: ${error.message}`, 'error');
      }
    }
  }

  /** Empties the form for a new policy. */
  create() {
    this.#editing = null;
    this.#form.reset();
    this.#form.elements.namedItem('id').readOnly = false;
    this.#clearErrors();
    setText('policy-form-title', 'New policy');
    setText('policy-save', 'Create policy');
    setText('policy-status', '');
    this.#replay.hide();
    this.#draw();
  }

  /** Loads a policy into the form. */
  edit(policy) {
    this.create();
    this.#editing = policy.id;
    const fields = this.#form.elements;
    fields.namedItem('id').value = policy.id ?? '';
    fields.namedItem('id').readOnly = true;
    fields.namedItem('path').value = policy.path ?? '';
    const methods = new Set((policy.methods ?? []).map((m) => String(m).toUpperCase()));
    for (const box of this.#form.querySelectorAll('input[name="methods"]')) {
      box.checked = methods.has(box.value);
    }
    fields.namedItem('limit').value = policy.limit ?? '';
    fields.namedItem('window').value = policy.window ?? '';
    fields.namedItem('algorithm').value = matchOption(fields.namedItem('algorithm'), policy.algorithm);
    fields.namedItem('scope').value = matchOption(fields.namedItem('scope'), policy.scope);
    fields.namedItem('burst').value = policy.burst ?? '';
    fields.namedItem('cost').value = policy.cost ?? '';
    setText('policy-form-title', `Edit policy ${policy.id}`);
    setText('policy-save', 'Save changes');
    this.#draw();
  }

  #draw() {
    setRows(this.#table, this.#policies.map((policy) => {
      const methods = policy.methods?.length ? policy.methods.join(', ') : 'all';
      const extras = [policy.burst ? `burst ${policy.burst}` : '', policy.cost && policy.cost !== 1 ? `cost ${policy.cost}` : ''].filter(Boolean).join(', ');
      const updated = policy.updated_at ? `updated ${formatClock(new Date(policy.updated_at))}` : '';
      return h('tr', { class: policy.id === this.#editing ? 'selected' : '', dataset: { policy: policy.id } },
        h('td', { class: 'mono', title: updated }, policy.id),
        h('td', { class: 'mono' }, policy.path),
        h('td', {}, methods),
        h('td', {}, `${policy.limit} / ${policy.window}`, extras ? h('span', { class: 'muted' }, ` (${extras})`) : ''),
        h('td', {}, policy.algorithm || h('span', { class: 'muted' }, 'default')),
        h('td', {}, policy.scope || h('span', { class: 'muted' }, 'Client')),
        h('td', { class: 'actions' },
          h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${policy.id}`, onclick: () => this.edit(policy) }, 'Edit'),
          h('button', { type: 'button', class: 'small danger-outline', 'aria-label': `Delete ${policy.id}`, onclick: () => this.#delete(policy.id) }, 'Delete')));
    }));
  }

  #read() {
    const fields = this.#form.elements;
    const text = (name) => fields.namedItem(name).value.trim() || undefined;
    const methods = [...this.#form.querySelectorAll('input[name="methods"]:checked')].map((box) => box.value);
    const policy = {
      id: this.#editing ?? text('id'),
      path: text('path'),
      methods,
      window: text('window'),
      algorithm: text('algorithm'),
      scope: text('scope'),
    };
    const local = {};
    for (const name of NUMBER_FIELDS) {
      const raw = fields.namedItem(name).value.trim();
      if (fields.namedItem(name).validity.badInput) {
        local[name] = ['A whole number.'];
      } else if (raw !== '') {
        const value = Number(raw);
        if (Number.isSafeInteger(value)) {
          policy[name] = value;
        } else {
          local[name] = ['A whole number.'];
        }
      }
    }
    return { policy, local };
  }

  async #save() {
    this.#clearErrors();
    setText('policy-status', '');
    const { policy, local } = this.#read();
    if (Object.keys(local).length > 0) {
      this.#showErrors(local);
      return;
    }

    const button = document.getElementById('policy-save');
    button.disabled = true;
    try {
      const saved = this.#editing
        ? await api(`/admin/configs/${encodeURIComponent(this.#editing)}`, { method: 'PUT', body: policy })
        : await api('/admin/configs', { method: 'POST', body: policy });
      this.#notify(`Policy ${saved.id} saved: it applies to the next request.`, 'ok');
      await this.refresh();
      this.edit(saved);
      setText('policy-status', `Saved at ${formatClock(new Date())}.`);
    } catch (error) {
      if (error instanceof ApiError) {
        if (error.problem?.errors && typeof error.problem.errors === 'object') {
          this.#showErrors(error.problem.errors);
        } else {
          setText('policy-form-error', error.message);
        }
      }
    } finally {
      button.disabled = false;
    }
  }

  /** Replays the recorded traffic with the policy in the form in place of the stored one (or added): nothing is saved. */
  async #try() {
    this.#clearErrors();
    const { policy, local } = this.#read();
    if (Object.keys(local).length > 0) {
      this.#showErrors(local);
      return;
    }

    const candidates = this.#stored.map(({ updated_at: _, ...stored }) => stored);
    let index = candidates.findIndex((stored) => policy.id !== undefined && stored.id === policy.id);
    if (index < 0) {
      index = candidates.length;
    }
    candidates[index] = policy;

    const button = document.getElementById('policy-try');
    button.disabled = true;
    setText('policy-status', 'Replaying the last 15 minutes…');
    try {
      this.#replay.show(await api('/admin/replay', { method: 'POST', body: { policies: candidates } }));
      setText('policy-status', `Tried at ${formatClock(new Date())}: not saved.`);
    } catch (error) {
      setText('policy-status', '');
      this.#replay.hide();
      if (error instanceof ApiError) {
        const errors = error.problem?.errors;
        if (errors && typeof errors === 'object') {
          // The candidate's own fields (policies[index].limit) go next to the form's; the rest above the buttons.
          const prefix = `policies[${index}].`;
          this.#showErrors(Object.fromEntries(Object.entries(errors).map(([field, messages]) =>
            [field.startsWith(prefix) ? field.slice(prefix.length) : field, messages])));
        } else {
          setText('policy-form-error', error.message);
        }
      }
    } finally {
      button.disabled = false;
    }
  }

  async #delete(id) {
    if (!(await this.#confirm(`Delete the policy ${id}? Requests it matches fall back to the configured rules at once.`))) {
      return;
    }
    try {
      await api(`/admin/configs/${encodeURIComponent(id)}`, { method: 'DELETE' });
      this.#notify(`Policy ${id} deleted.`, 'ok');
    } catch (error) {
      if (error instanceof ApiError && error.status !== 404) {
        this.#notify(`Could not delete ${id}: ${error.message}`, 'error');
      }
    }
    if (this.#editing === id) {
      this.create();
    }
    await this.refresh();
  }

  #showErrors(errors) {
    const general = [];
    let first = null;
    for (const [field, messages] of Object.entries(errors)) {
      const text = Array.isArray(messages) ? messages.join(' ') : String(messages);
      const slot = this.#form.querySelector(`[data-error-for="${CSS.escape(field.toLowerCase())}"]`);
      if (!slot) {
        general.push(field ? `${field}: ${text}` : text);
        continue;
      }
      slot.textContent = text;
      const input = this.#form.elements.namedItem(field.toLowerCase());
      const control = input instanceof RadioNodeList ? input[0] : input;
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        first ??= control;
      }
    }
    setText('policy-form-error', general.length ? general.join(' ') : 'The service did not accept this policy: see the fields marked.');
    first?.focus();
  }

  #clearErrors() {
    for (const slot of this.#form.querySelectorAll('[data-error-for]')) {
      slot.textContent = '';
    }
    for (const control of this.#form.querySelectorAll('[aria-invalid]')) {
      control.removeAttribute('aria-invalid');
    }
    setText('policy-form-error', '');
  }
}

function matchOption(select, value) {
  const wanted = String(value ?? '').toLowerCase();
  const option = [...select.options].find((o) => o.value.toLowerCase() === wanted);
  return option ? option.value : '';
}

function setText(id, value) {
  document.getElementById(id).textContent = value;
}
