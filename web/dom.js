// Building the page: elements, labelled form fields, and moving focus to a screen's heading.

import { t } from './i18n.js';

let nextId = 0;

/** A unique id for labels, hints and errors. */
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * An element. `props`: `i18n` (a string key, with `params`), `text`, `class`, `on` (event
 * listeners), `attrs` (attributes; `i18nAttrs` maps attributes to string keys), and any property of
 * the element (`id`, `type`, `hidden`, ...). Children are nodes or strings; null ones are skipped.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  const { i18n, params, text, on, attrs, i18nAttrs, class: className, ...rest } = props;
  if (className) node.className = className;
  if (i18n) {
    node.dataset.i18n = i18n;
    if (params) node.dataset.i18nParams = JSON.stringify(params);
    node.textContent = t(i18n, params);
  } else if (text !== undefined) {
    node.textContent = text;
  }
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  if (i18nAttrs) {
    node.dataset.i18nAttrs = Object.entries(i18nAttrs).map(([a, k]) => `${a}=${k}`).join(' ');
    for (const [attribute, key] of Object.entries(i18nAttrs)) node.setAttribute(attribute, t(key));
  }
  for (const [name, value] of Object.entries(rest)) {
    if (value !== undefined) node[name] = value;
  }
  for (const [event, listener] of Object.entries(on ?? {})) node.addEventListener(event, listener);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Re-sets the key (and parameters) of an element built with `i18n`, and its text. */
export function setText(node, key, params) {
  node.dataset.i18n = key;
  if (params) node.dataset.i18nParams = JSON.stringify(params);
  else delete node.dataset.i18nParams;
  node.textContent = t(key, params);
}

/**
 * A labelled input with its hint and its error line. `pointer` is the JSON Pointer of the request
 * field it fills, so a problem's `errors[].field` finds it.
 */
export function field({ label, name, pointer, type = 'text', hint, autocomplete, inputmode, required = true, maxlength, extra }) {
  const id = uid(name);
  const hintNode = hint ? h('p', { class: 'hint', id: `${id}-hint`, i18n: hint }) : null;
  const errorNode = h('p', { class: 'field-error', id: `${id}-error` });
  const describedBy = [hintNode ? hintNode.id : null, errorNode.id].filter(Boolean).join(' ');
  const input = h('input', {
    id,
    name,
    type,
    attrs: {
      autocomplete,
      inputmode,
      maxlength,
      required: required ? true : undefined,
      'aria-describedby': describedBy,
      'data-pointer': pointer,
      spellcheck: type === 'text' ? 'false' : undefined,
    },
  });
  const wrapper = h(
    'div',
    { class: 'field' },
    h('label', { htmlFor: id, i18n: label }),
    hintNode,
    extra ? h('div', { class: 'field-row' }, input, extra) : input,
    errorNode,
  );
  return { wrapper, input, errorNode };
}

/** A select with its label and error line, like `field`. */
export function selectField({ label, name, pointer, options, placeholder }) {
  const id = uid(name);
  const errorNode = h('p', { class: 'field-error', id: `${id}-error` });
  const select = h(
    'select',
    { id, name, attrs: { required: true, 'aria-describedby': errorNode.id, 'data-pointer': pointer } },
    h('option', { value: '', i18n: placeholder }),
    ...options,
  );
  const wrapper = h('div', { class: 'field' }, h('label', { htmlFor: id, i18n: label }), select, errorNode);
  return { wrapper, input: select, errorNode };
}

/** The box at the top of a form that announces a step's problem (role=alert, so screen readers read it). */
export function alertBox() {
  return h('div', { class: 'alert', attrs: { role: 'alert', 'aria-atomic': 'true' } });
}

/** Replaces the content of <main> with `nodes` and moves focus to its first heading. */
export function showScreen(main, titleKey, ...nodes) {
  main.replaceChildren(...nodes);
  document.title = `${t(titleKey)} | ${t('site.title')}`;
  document.body.dataset.screenTitle = titleKey;
  const heading = main.querySelector('[data-focus-heading]') ?? main.querySelector('h1, h2');
  if (document.body.dataset.ready === 'true') focusHeading(heading);
}

/** Moves focus to a heading so keyboard and screen-reader users start at the new content. */
export function focusHeading(heading) {
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: false });
  heading.scrollIntoView({ block: 'start' });
}

/** A polite announcement for changes that are not errors (username available, a step done). */
export function announce(message) {
  const announcer = document.getElementById('announcer');
  if (!announcer) return;
  announcer.textContent = '';
  // A fresh text node after a tick: screen readers announce a change, not a static text.
  setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

/** A date as the Asia/Seoul calendar shows it (`2028-11-23`), from an RFC 3339 instant. */
export function seoulDate(instant) {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/**
 * Runs `work` (a request) with `button` disabled and saying "처리 중…", and `scope` marked
 * `aria-busy`. A second press while it runs does nothing (answers null). The button stays disabled
 * after a success, until the next screen replaces it; `ready(button)` gives it back after a failure.
 */
export async function busyWhile(button, scope, work) {
  if (button.dataset.busy === 'true') return null;
  button.dataset.busy = 'true';
  button.dataset.idleKey = button.dataset.i18n ?? '';
  button.disabled = true;
  setText(button, 'busy');
  scope?.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    scope?.removeAttribute('aria-busy');
  }
}

/** The button of `busyWhile` as it was, to be pressed again. */
export function ready(button) {
  if (button.dataset.busy !== 'true') return;
  delete button.dataset.busy;
  if (button.dataset.idleKey) setText(button, button.dataset.idleKey);
  button.disabled = false;
}

/**
 * A date input that takes `19900517`, `1990.05.17`, `1990 05 17` or `1990-05-17` and shows
 * `1990-05-17` as it is typed: digits only are read, so a keypad without a hyphen works.
 */
export function formatDateAsTyped(input) {
  const format = () => {
    const digits = input.value.replace(/\D/g, '').slice(0, 8);
    const parts = [digits.slice(0, 4), digits.slice(4, 6), digits.slice(6, 8)].filter(Boolean);
    const formatted = parts.join('-');
    if (formatted !== input.value) input.value = formatted;
  };
  input.addEventListener('input', format);
  input.addEventListener('change', format);
}

/** A loan-card number in groups of four for the eye; its text stays the 14 digits for copying and reading. */
export function loanCardGroups(number) {
  const groups = (number ?? '').match(/.{1,4}/g) ?? [];
  return groups.map((group) => h('span', { class: 'group', text: group }));
}
