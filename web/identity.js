// The identity provider's window (휴대폰 본인인증 / I-PIN(아이핀)인증). The page is served only by the
// local server, whose simulated provider (POST /_sim/identity-results) signs the result the
// service then verifies; a deployed client would open the real provider here instead.

import { request } from './api.js';
import { alertBox, field, h } from './dom.js';
import { clearProblems, showProblem } from './problems.js';

/**
 * Opens the simulated provider as a modal dialog for `method` (`phone` | `ipin`). Resolves to
 * `{ result, name, birthDate }` once the provider has signed a result, or `null` when cancelled.
 */
export function verifyIdentity(method) {
  return new Promise((resolve) => {
    const titleId = `sim-title-${method}`;
    const name = field({ label: 'sim.name', name: 'sim-name', pointer: '/name', autocomplete: 'name' });
    const birthDate = field({
      label: 'sim.birthDate',
      name: 'sim-birth-date',
      pointer: '/birthDate',
      hint: 'sim.birthDateHint',
      inputmode: 'numeric',
      autocomplete: 'bday',
      maxlength: 10,
    });
    const alert = alertBox();
    const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'sim.submit' });
    const cancel = h('button', { type: 'button', class: 'button', i18n: 'sim.cancel' });
    const form = h(
      'form',
      { attrs: { novalidate: true } },
      h('p', { class: 'note', i18n: 'sim.note' }),
      alert,
      name.wrapper,
      birthDate.wrapper,
      h('div', { class: 'actions' }, submit, cancel),
    );
    const dialog = h(
      'dialog',
      { class: 'provider', attrs: { 'aria-labelledby': titleId, 'data-method': method } },
      h('h2', { id: titleId, i18n: method === 'ipin' ? 'sim.titleIpin' : 'sim.titlePhone' }),
      form,
    );
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', () => finish(null));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      submit.disabled = true;
      const body = { method, name: name.input.value.trim(), birthDate: birthDate.input.value.trim() };
      const answer = await request('POST', '/_sim/identity-results', { body });
      submit.disabled = false;
      if (answer.ok) finish({ result: answer.body.result, name: body.name, birthDate: body.birthDate });
      else showProblem(form, alert, answer.body);
    });
    document.body.append(dialog);
    dialog.showModal();
    name.input.focus();
  });
}
