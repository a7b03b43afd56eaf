// Showing what went wrong where it concerns: each `errors[].message` next to the input its JSON
// Pointer names, a problem's `detail` in the alert of the step (or next to the field its code is
// about), announced by the alert's role.

import { h, setText } from './dom.js';
import { translateProblem } from './i18n.js';

/** The input (or fieldset) of `scope` that fills `pointer`, or the nearest one above it (`/consents/1/version` → `/consents/1`). */
function inputFor(scope, pointer) {
  let path = pointer;
  while (path) {
    const found = scope.querySelector(`[data-pointer="${CSS.escape(path)}"]`);
    if (found) return found;
    path = path.slice(0, Math.max(0, path.lastIndexOf('/')));
  }
  return null;
}

function errorNodeOf(input) {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/);
  return ids.map((id) => document.getElementById(id)).find((node) => node?.classList.contains('field-error')) ?? null;
}

/** Removes every message a previous attempt left in `scope` and its alert. */
export function clearProblems(scope, alert) {
  for (const input of scope.querySelectorAll('[aria-invalid="true"]')) {
    input.removeAttribute('aria-invalid');
  }
  for (const node of scope.querySelectorAll('.field-error')) {
    node.replaceChildren();
    delete node.dataset.i18n;
  }
  if (alert) {
    alert.replaceChildren();
    shown.delete(alert);
  }
}

/**
 * Puts `message` next to the input of `pointer`: a string from the server, or `{ i18n }` for the
 * page's own checks (re-labelled when the language changes). Answers whether an input was found.
 */
export function markField(scope, pointer, message) {
  const input = inputFor(scope, pointer);
  const errorNode = input && errorNodeOf(input);
  if (!errorNode) return false;
  // aria-invalid belongs to controls (ARIA 1.2), not to a fieldset's group or a radio.
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(input.tagName) && input.type !== 'radio') input.setAttribute('aria-invalid', 'true');
  const line = h('span');
  if (typeof message === 'string') line.textContent = message;
  else setText(line, message.i18n, message.params);
  if (errorNode.childNodes.length) errorNode.append(' ');
  errorNode.append(line);
  return true;
}

/** Fills a step's alert: a title, a detail, what no field took, and extra nodes (links, buttons). */
export function fillAlert(alert, { title, titleKey, detail, items = [], extra = [] }) {
  alert.replaceChildren(
    ...[
      // The page's own title (a key) is re-labelled with the language; the service's is re-written by `rewriteProblems`.
      titleKey ? h('p', { class: 'alert-title', i18n: titleKey }) : title ? h('p', { class: 'alert-title', text: title }) : null,
      detail ? h('p', { text: detail }) : null,
      items.length ? h('ul', {}, ...items.map((item) => h('li', { text: item }))) : null,
      ...extra,
    ].filter(Boolean),
  );
}

/** The problems on screen, re-written in the new language when it changes (`rewriteProblems`). */
const shown = new Map();

/**
 * Shows a problem+json in `scope`: every `errors[]` entry next to its input (the unmatched ones in
 * the alert), the `detail` in the alert, or next to the field `fieldFor[code]` names. Focus goes to
 * the first input that has an error, or to the alert when no field took one. Answers the inputs marked.
 */
export function showProblem(scope, alert, problem, options = {}) {
  const marked = drawProblem(scope, alert, problem, options);
  shown.set(alert, { scope, problem, options });
  const first = marked.find(Boolean);
  if (first) focusInput(first);
  else focusAlert(alert);
  return marked;
}

function drawProblem(scope, alert, problem, { fieldFor = {}, extra = [] } = {}) {
  clearProblems(scope, alert);
  const items = [];
  const marked = [];
  for (const error of problem.errors ?? []) {
    if (markField(scope, error.field ?? '', error.message ?? '')) marked.push(inputFor(scope, error.field));
    else items.push(error.message);
  }
  // A code about one field puts its detail there, unless `errors` already said it at that field.
  const pointer = fieldFor[problem.code];
  const alreadyMarked = pointer && marked.includes(inputFor(scope, pointer));
  let detailPlaced = false;
  if (pointer && !alreadyMarked && problem.detail && markField(scope, pointer, problem.detail)) {
    marked.push(inputFor(scope, pointer));
    detailPlaced = true;
  }
  fillAlert(alert, { title: problem.title, detail: detailPlaced ? null : problem.detail, items, extra });
  return marked;
}

/** Moves focus to an alert, which says what went wrong when no field does. */
export function focusAlert(alert) {
  if (!alert.childNodes.length) return;
  alert.tabIndex = -1;
  alert.focus();
}

/** After a language change: each problem still on screen, in the new language; focus stays. */
export function rewriteProblems() {
  for (const [alert, { scope, problem, options }] of shown) {
    // A problem is on screen while its alert is, and until something cleared the alert.
    if (!alert.isConnected || !alert.childNodes.length) {
      shown.delete(alert);
      continue;
    }
    drawProblem(scope, alert, translateProblem(problem), options);
  }
}

/** Focus on an input, or on the first control of a fieldset. */
export function focusInput(input) {
  if (input.tagName === 'FIELDSET') {
    const control = input.querySelector('input:checked, input, button');
    control?.focus();
  } else {
    input.focus();
  }
}

/** Once someone changes an input that was marked, its message goes: it spoke of the old value. */
export function clearWhenEdited(root) {
  const clear = (event) => {
    const input = event.target;
    if (!(input instanceof Element) || !input.matches('input, select')) return;
    const target = input.type === 'radio' ? input.closest('fieldset') : input;
    const errorNode = target && errorNodeOf(target);
    if (!errorNode || !errorNode.childNodes.length) return;
    input.removeAttribute('aria-invalid');
    errorNode.replaceChildren();
  };
  root.addEventListener('input', clear);
  root.addEventListener('change', clear);
}
