// The password rules of API.md, shown live under a password input: 8 to 64 characters, three of
// lower, upper, digit and symbol (or 10+ with two), not containing the username. The service is the
// judge; these hints only say early what it will say.

import { h, setText, uid } from './dom.js';

/** What the password rules say of `password` for `username` (API.md: 8–64, three classes or 10+ with two, no username). */
export function passwordRules(password, username) {
  const chars = [...password];
  const length = chars.length;
  const classes = [
    /[a-z]/.test(password),
    /[A-Z]/.test(password),
    /[0-9]/.test(password),
    chars.some((c) => c >= ' ' && c <= '~' && !/[A-Za-z0-9]/.test(c)),
  ].filter(Boolean).length;
  const name = username.trim().toLowerCase();
  return {
    length: length >= 8 && length <= 64,
    classes: classes >= (length >= 10 ? 2 : 3),
    username: password.length > 0 && (name === '' || !password.toLowerCase().includes(name)),
  };
}

/** The live list of password rules under a password input, each met or not in words as well as by mark. */
export function passwordHints(passwordInput, usernameInput) {
  const items = {
    length: 'info.ruleLength',
    classes: 'info.ruleClasses',
    username: 'info.ruleUsername',
  };
  const rows = Object.fromEntries(
    Object.entries(items).map(([rule, key]) => {
      const state = h('span', { class: 'visually-hidden', i18n: 'info.ruleUnmet' });
      const row = h('li', { class: 'unmet', attrs: { 'data-rule': rule } }, h('span', { class: 'mark', attrs: { 'aria-hidden': 'true' } }), h('span', { i18n: key }), ' ', state);
      return [rule, { row, state }];
    }),
  );
  const list = h('ul', { class: 'rules', id: uid('rules') }, ...Object.values(rows).map((r) => r.row));
  const update = () => {
    const met = passwordRules(passwordInput.value, usernameInput ? usernameInput.value : '');
    for (const [rule, { row, state }] of Object.entries(rows)) {
      row.className = met[rule] ? 'met' : 'unmet';
      setText(state, met[rule] ? 'info.ruleMet' : 'info.ruleUnmet');
    }
  };
  passwordInput.addEventListener('input', update);
  usernameInput?.addEventListener('input', update);
  const described = passwordInput.getAttribute('aria-describedby');
  passwordInput.setAttribute('aria-describedby', `${list.id} ${described}`);
  return h('div', { class: 'rules-box' }, h('p', { class: 'rules-title', i18n: 'info.rules', attrs: { 'aria-hidden': 'true' } }), list);
}
