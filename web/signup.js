// 회원가입 (seed 000, steps 1 to 4): 회원유형확인 > 이용약관동의 > 본인확인 > 정보입력, then the result
// with the loan-card number. Each step has its own address (#/signup, #/signup/terms,
// #/signup/identity, #/signup/info, #/signup/done), so Back goes to the step before (shown as done,
// with the way on) and a reload keeps the step while the service's 30-minute session lives. What is
// kept in this tab's sessionStorage for that is the session's id, token, type, step and deadline:
// never the verified person, which stays in this module's memory.

import { idempotencyKeys, libraries, request, terms } from './api.js';
import { alertBox, announce, busyWhile, field, formatDateAsTyped, h, loanCardGroups, ready, selectField, setText, showScreen, uid } from './dom.js';
import { libraryName, t } from './i18n.js';
import { ipinIssuanceLink, verifyIdentity } from './identity.js';
import { passwordHints } from './password.js';
import { clearProblems, fillAlert, focusInput, markField, showProblem } from './problems.js';

const STEPS = ['stepper.type', 'stepper.terms', 'stepper.identity', 'stepper.info'];
/** The address of each step after the member type, in order, as the service's `step` names them. */
const ORDER = ['terms', 'identity', 'info'];
const STORAGE_KEY = 'membership.signup';
/** API.md: a sign-up session lives 30 minutes from creation; the page warns 5 minutes before. */
const LIFETIME_MS = 30 * 60 * 1000;
const WARN_MS = 5 * 60 * 1000;

/** The sign-up in progress: `{ memberType, signupId, token, step, deadline, role }`, and `verified` in memory. */
let flow = null;
/** The created member of the last sign-up, for its result screen (memory only). */
let created = null;
let countdown = null;

let app;

function saveFlow() {
  const { verified, ...kept } = flow;
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(kept));
}

function loadFlow() {
  if (flow && flow.deadline > Date.now()) return flow;
  try {
    const kept = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    flow = kept && kept.deadline > Date.now() ? kept : null;
  } catch {
    flow = null;
  }
  if (!flow) sessionStorage.removeItem(STORAGE_KEY);
  return flow;
}

function endFlow() {
  flow = null;
  sessionStorage.removeItem(STORAGE_KEY);
}

function goTo(step) {
  flow.step = step;
  saveFlow();
  app.navigate(`#/signup/${step}`);
}

/** Starts a new sign-up from the member type, forgetting the one in progress. */
function restart() {
  endFlow();
  app.navigate('#/signup');
}

/** The screen of `step` (`type`, `terms`, `identity`, `info`, `done`) at its address. */
export function renderSignup(context, step = 'type', params = new URLSearchParams()) {
  app = context;
  // #/signup starts a new sign-up; the entry of one already started (#/signup?started) is where
  // Back from its terms step arrives.
  if (step === 'type' && !params.has('started')) endFlow();
  const current = loadFlow();
  if (step === 'done') {
    if (created) showDone(created);
    else app.redirect('#/signup');
    return;
  }
  if (!current) {
    if (step === 'type') showTypeStep();
    else app.redirect('#/signup');
    return;
  }
  const at = ORDER.indexOf(current.step);
  const wanted = step === 'type' ? -1 : ORDER.indexOf(step);
  if (wanted === at) ({ terms: showTermsStep, identity: showIdentityStep, info: showInfoStep })[step]();
  else if (wanted < at) showCompleted(wanted + 1);
  else app.redirect(`#/signup/${current.step}`);
}

/** A step already done (reached by Back): what was chosen, and the ways on: continue, or start again. */
function showCompleted(index) {
  const headingKey = ['type.heading', 'terms.heading', 'identity.heading'][index];
  const chosen = index === 0 ? h('p', {}, h('span', { i18n: 'signup.chosenType' }), h('strong', { i18n: `memberType.${flow.memberType}` })) : null;
  stepScreen(
    index,
    headingKey,
    h('p', { class: 'status ok', i18n: 'signup.stepDone' }),
    chosen,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button primary', href: `#/signup/${flow.step}`, i18n: 'signup.continue' }),
      h('button', { type: 'button', class: 'button', i18n: 'error.restart', on: { click: restart } }),
    ),
  );
}

/** The time left of the sign-up session, shown under the stepper; a warning 5 minutes before the end. */
function timer() {
  if (!flow) return null;
  if (countdown) clearInterval(countdown);
  const clock = h('p', { class: 'timer' });
  const warning = h('p', { class: 'status', attrs: { role: 'status' } });
  const holder = h('div', { class: 'session-time' }, clock, warning);
  const tick = () => {
    if (clock.dataset.drawn && !holder.isConnected) {
      clearInterval(countdown);
      countdown = null;
      return;
    }
    clock.dataset.drawn = 'true';
    const left = Math.max(0, flow ? flow.deadline - Date.now() : 0);
    const minutes = Math.floor(left / 60000);
    const seconds = Math.floor((left % 60000) / 1000);
    setText(clock, 'signup.timeLeft', { time: `${minutes}:${String(seconds).padStart(2, '0')}` });
    clock.classList.toggle('warn', left <= WARN_MS);
    if (left <= 0) {
      clearInterval(countdown);
      countdown = null;
      endFlow();
      setText(warning, 'signup.timeUp');
      warning.append(' ', h('button', { type: 'button', class: 'button', i18n: 'error.restart', on: { click: restart } }));
    } else if (left <= WARN_MS && !warning.dataset.i18n) {
      setText(warning, 'signup.timeWarning', { minutes: String(Math.max(1, Math.ceil(left / 60000))) });
    }
  };
  tick();
  countdown = setInterval(tick, 1000);
  return holder;
}

function stepper(current) {
  return h(
    'nav',
    { class: 'stepper', i18nAttrs: { 'aria-label': 'stepper.label' } },
    h(
      'ol',
      {},
      ...STEPS.map((key, index) =>
        h(
          'li',
          {
            class: index < current ? 'done' : index === current ? 'current' : 'todo',
            attrs: { 'aria-current': index === current ? 'step' : undefined },
          },
          h('span', { class: 'step-number', text: String(index + 1), attrs: { 'aria-hidden': 'true' } }),
          h('span', { class: 'step-label', i18n: key }),
          index < current ? h('span', { class: 'visually-hidden', text: ' ' }, h('span', { i18n: 'stepper.done' })) : null,
        ),
      ),
    ),
  );
}

/** One step's screen: the page heading, the stepper, and the step's own heading (which takes focus). */
function stepScreen(index, headingKey, ...content) {
  const headingId = uid('step-heading');
  showScreen(
    app.main,
    headingKey,
    h(
      'div',
      { class: 'screen signup' },
      h('h1', { i18n: 'signup.heading' }),
      stepper(index),
      index < 4 ? timer() : null,
      h(
        'section',
        { class: 'step', attrs: { 'aria-labelledby': headingId } },
        h('h2', { id: headingId, i18n: headingKey, attrs: { 'data-focus-heading': true } }),
        ...content,
      ),
    ),
  );
}

/** The alert's extra for problems after which only a new sign-up goes on: a button that starts again. */
function restartFor(problem) {
  const codes = ['signup.expired', 'signup.not_found', 'signup.token_invalid', 'age.requires_child_signup'];
  if (!codes.includes(problem.code)) return [];
  return [h('button', { type: 'button', class: 'button', i18n: 'error.restart', on: { click: restart } })];
}

/** 이미 가입된 회원: the masked username and the way to 아이디 찾기. */
function alreadyMemberHint(problem) {
  if (problem.code !== 'member.already_exists' || !problem.maskedUsername) return [];
  return [
    h('p', { class: 'masked-username', i18n: 'identity.alreadyMember', params: { masked: problem.maskedUsername } }),
    h('a', { href: '#/find-username', i18n: 'identity.findUsername' }),
  ];
}

// 1. 회원유형확인

function showTypeStep() {
  const alert = alertBox();
  const errorNode = h('p', { class: 'field-error', id: uid('type-error') });
  const ruleId = uid('type-rule');
  const choice = (value, titleKey, ageKey) => {
    const id = uid(`type-${value}`);
    return h(
      'div',
      { class: 'choice' },
      h('input', { type: 'radio', name: 'memberType', id, value, attrs: { 'aria-describedby': ruleId } }),
      h('label', { htmlFor: id }, h('span', { class: 'choice-title', i18n: titleKey }), ' ', h('span', { class: 'choice-detail', i18n: ageKey })),
    );
  };
  const fieldset = h(
    'fieldset',
    { class: 'choices', attrs: { 'data-pointer': '/memberType', 'aria-describedby': errorNode.id } },
    h('legend', { i18n: 'type.legend' }),
    choice('general', 'type.general', 'type.generalAge'),
    choice('child', 'type.child', 'type.childAge'),
    errorNode,
  );
  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'type.next' });
  const form = h(
    'form',
    { attrs: { novalidate: true } },
    alert,
    fieldset,
    h('div', { class: 'rule', id: ruleId }, h('p', { class: 'note strong', i18n: 'type.rule' }), h('p', { class: 'note', i18n: 'type.ruleDetail' })),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const chosen = form.querySelector('input[name="memberType"]:checked');
    if (!chosen) {
      markField(form, '/memberType', { i18n: 'type.required' });
      fillAlert(alert, { titleKey: 'error.summary' });
      focusInput(fieldset);
      return;
    }
    // POST /v1/signups takes no Idempotency-Key (API.md): the disabled button is the guard.
    const answer = await busyWhile(submit, form, () => request('POST', '/v1/signups', { body: { memberType: chosen.value } }));
    if (!answer) return;
    if (!answer.ok) {
      ready(submit);
      showProblem(form, alert, answer.body);
      return;
    }
    flow = {
      memberType: answer.body.memberType,
      signupId: answer.body.signupId,
      token: answer.body.signupToken,
      step: 'terms',
      deadline: Date.now() + LIFETIME_MS,
    };
    history.replaceState(null, '', '#/signup?started');
    goTo('terms');
  });
  stepScreen(0, 'type.heading', form);
}

// 2. 이용약관동의

async function showTermsStep() {
  let documents;
  let institutions;
  try {
    [documents, institutions] = await Promise.all([terms(), libraries()]);
  } catch (failure) {
    const alert = alertBox();
    stepScreen(1, 'terms.heading', alert);
    fillAlert(alert, { title: failure.body?.title, detail: failure.body?.detail });
    return;
  }
  documents = documents.filter((doc) => doc.step === 'signup');
  const alert = alertBox();
  const checks = documents.map((doc, index) => {
    const titleId = uid('doc-title');
    const checkId = uid('doc-check');
    const errorNode = h('p', { class: 'field-error', id: `${checkId}-error` });
    const checkbox = h('input', {
      type: 'checkbox',
      id: checkId,
      name: doc.id,
      attrs: { 'data-pointer': `/consents/${index}`, 'aria-describedby': errorNode.id, 'data-document': doc.id },
    });
    // The heading names the scrollable text (a region); the wrapper is no second landmark of that name.
    const section = h(
      'div',
      { class: 'document' },
      h('h3', { id: titleId, text: doc.title, attrs: { lang: 'ko' } }),
      h('div', { class: 'document-text', text: doc.body, attrs: { role: 'region', tabindex: '0', 'aria-labelledby': titleId, lang: 'ko' } }),
      h(
        'div',
        { class: 'check' },
        checkbox,
        h(
          'label',
          { htmlFor: checkId },
          h('span', { i18n: 'terms.agreeTo', params: { title: doc.title } }),
          doc.required ? [' ', h('span', { class: 'required', i18n: 'terms.required' })] : null,
        ),
      ),
      errorNode,
    );
    if (doc.id === 'privacy-collection') section.insertBefore(privacySummary(), section.querySelector('.check'));
    return { doc, checkbox, section };
  });
  const agree = h('button', { type: 'submit', class: 'button primary', i18n: 'terms.agree' });
  const disagree = h('button', { type: 'button', class: 'button', i18n: 'terms.disagree' });
  const all = agreeToAll(checks.map((c) => c.checkbox));
  const form = h(
    'form',
    { attrs: { novalidate: true } },
    all,
    ...checks.map((c) => c.section),
    alert,
    h('div', { class: 'actions' }, agree, disagree),
  );

  const keyFor = idempotencyKeys();
  const send = async (button, agreedTo) => {
    clearProblems(form, alert);
    const consents = checks.map(({ doc, checkbox }) => ({ document: doc.id, version: doc.version, agreed: agreedTo(checkbox) }));
    const body = { consents };
    const other = button === agree ? disagree : agree;
    other.disabled = true;
    const answer = await busyWhile(button, form, () =>
      request('POST', `/v1/signups/${flow.signupId}/consents`, { body, token: flow.token, idempotencyKey: keyFor }),
    );
    if (answer && !answer.ok) {
      ready(button);
      other.disabled = false;
    }
    return answer;
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const unchecked = checks.filter((c) => !c.checkbox.checked);
    if (unchecked.length) {
      for (const c of unchecked) markField(form, c.checkbox.dataset.pointer, { i18n: 'terms.checkRequired' });
      fillAlert(alert, { titleKey: 'error.summary' });
      unchecked[0].checkbox.focus();
      return;
    }
    const answer = await send(agree, () => true);
    if (!answer) return;
    if (answer.ok) goTo('identity');
    else showProblem(form, alert, answer.body, { extra: restartFor(answer.body) });
  });
  disagree.addEventListener('click', async () => {
    // 동의하지 않습니다: the refusal is sent so that it is recorded, and the sign-up stops here.
    const answer = await send(disagree, () => false);
    if (!answer) return;
    if (answer.status === 422 && answer.body.code === 'consent.required') showStopped(answer.body);
    else if (!answer.ok) showProblem(form, alert, answer.body, { extra: restartFor(answer.body) });
  });

  stepScreen(
    1,
    'terms.heading',
    h('p', { class: 'note', i18n: 'terms.intro1' }),
    h('p', { class: 'note', i18n: 'terms.intro2' }),
    integrationNotice(institutions),
    h('p', { class: 'note docs-language', i18n: 'terms.docsLanguage' }),
    form,
  );
}

/** What 개인정보 수집·이용 means in practice (DOMAIN.md): what is collected, how long it is kept, the right to refuse. */
export function privacySummary(level = 4) {
  const id = uid('privacy-summary');
  return h(
    'section',
    { class: 'privacy-summary', attrs: { 'aria-labelledby': id } },
    h(`h${level}`, { id, i18n: 'terms.summaryHeading' }),
    h('ul', {}, h('li', { i18n: 'terms.summaryItems' }), h('li', { i18n: 'terms.summaryRetention' }), h('li', { i18n: 'terms.summaryRefuse' })),
  );
}

/**
 * 전체동의: one checkbox that ticks (or clears) every item, each item still its own checkbox; it
 * shows checked when all are, and mixed when some are.
 */
export function agreeToAll(boxes) {
  const id = uid('agree-all');
  const hintId = uid('agree-all-hint');
  const all = h('input', { type: 'checkbox', id, attrs: { 'aria-describedby': hintId } });
  const sync = () => {
    const checked = boxes.filter((box) => box.checked).length;
    all.checked = checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  };
  all.addEventListener('change', () => {
    const wanted = all.checked;
    for (const box of boxes) {
      if (box.checked !== wanted) {
        box.checked = wanted;
        // Heard by whatever listens to the item (its error line goes once it is ticked).
        box.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }
    sync();
  });
  for (const box of boxes) box.addEventListener('change', sync);
  return h(
    'div',
    { class: 'check agree-all' },
    all,
    h('label', { htmlFor: id, i18n: 'terms.all' }),
    h('p', { class: 'hint', id: hintId, i18n: 'terms.allHint' }),
  );
}

/** 인천광역시교육청 공공도서관 통합안내: the nine institutions that share one membership. */
function integrationNotice(institutions) {
  const headingId = uid('notice');
  return h(
    'section',
    { class: 'notice', attrs: { 'aria-labelledby': headingId } },
    h('h3', { id: headingId, i18n: 'terms.noticeHeading' }),
    h('p', { i18n: 'terms.notice1' }),
    h('p', { i18n: 'terms.notice2' }),
    h('p', { class: 'visually-hidden', i18n: 'terms.noticeLibraries' }),
    h('ul', { class: 'institutions' }, ...institutions.map((lib) => h('li', { text: lib.name, attrs: { lang: 'ko' } }))),
    h('p', { i18n: 'terms.noticeElibrary' }),
  );
}

function showStopped(problem) {
  const alert = alertBox();
  const review = h('button', { type: 'button', class: 'button primary', i18n: 'terms.review', on: { click: () => showTermsStep() } });
  // The service keeps the session at its consent step: another answer may still be given.
  stepScreen(
    1,
    'terms.stoppedHeading',
    alert,
    h('p', { i18n: 'terms.stopped' }),
    h('p', { class: 'note', i18n: 'terms.stoppedRecorded' }),
    h('div', { class: 'actions' }, review, h('a', { class: 'button', href: '#/', i18n: 'guide.main' })),
  );
  fillAlert(alert, { title: problem.title, detail: problem.detail });
}

// 3. 본인확인

function showIdentityStep() {
  const alert = alertBox();
  const methodButton = (method, key) =>
    h('button', {
      type: 'button',
      class: 'button method',
      i18n: key,
      attrs: { 'data-method': method },
      on: { click: (event) => verify(method, event.currentTarget) },
    });
  const holder = h('div', {}, alert);
  const keyFor = idempotencyKeys();
  const verify = async (method, button) => {
    clearProblems(holder, alert);
    const provided = await verifyIdentity(method, { purpose: 'signup', token: flow.token });
    if (!provided) {
      button.focus();
      return;
    }
    if (provided.problem) {
      showProblem(holder, alert, provided.problem, { extra: restartFor(provided.problem) });
      return;
    }
    const body = { identity: provided.identity };
    const answer = await busyWhile(button, holder, () =>
      request('POST', `/v1/signups/${flow.signupId}/identity`, { body, token: flow.token, idempotencyKey: keyFor }),
    );
    if (!answer) return;
    if (answer.ok) {
      flow.verified = answer.body.verified;
      flow.role = answer.body.verified.role;
      goTo('info');
      return;
    }
    ready(button);
    // The provider's result is used up whatever the answer: another try starts from the buttons,
    // after the alert (which has the focus) says why.
    showProblem(holder, alert, answer.body, { extra: [...alreadyMemberHint(answer.body), ...restartFor(answer.body)] });
  };
  stepScreen(
    2,
    'identity.heading',
    h('p', { i18n: flow.memberType === 'child' ? 'identity.leadChild' : 'identity.leadGeneral' }),
    holder,
    h(
      'div',
      { class: 'methods', attrs: { role: 'group' }, i18nAttrs: { 'aria-label': 'identity.methods' } },
      methodButton('phone', 'identity.phone'),
      methodButton('ipin', 'identity.ipin'),
    ),
    h(
      'p',
      { class: 'note' },
      ipinIssuanceLink(),
      ' ',
      h('span', { i18n: 'identity.ipinNote' }),
    ),
  );
}

// 4. 정보입력

async function showInfoStep() {
  let institutions;
  try {
    institutions = await libraries();
  } catch {
    institutions = [];
  }
  const child = flow.memberType === 'child';
  const alert = alertBox();
  const childName = child ? field({ label: 'info.childName', name: 'child-name', pointer: '/child/name', maxlength: 30 }) : null;
  const childBirthDate = child
    ? field({ label: 'info.childBirthDate', name: 'child-birth-date', pointer: '/child/birthDate', hint: 'info.childBirthDateHint', inputmode: 'numeric', maxlength: 10 })
    : null;
  if (childBirthDate) formatDateAsTyped(childBirthDate.input);
  const checkButton = h('button', { type: 'button', class: 'button', i18n: 'info.checkUsername' });
  const username = field({
    label: 'info.username',
    name: 'username',
    pointer: '/username',
    hint: 'info.usernameHint',
    autocomplete: 'username',
    maxlength: 20,
    extra: checkButton,
  });
  const availability = h('p', { class: 'availability', attrs: { 'aria-live': 'polite' } });
  const password = field({ label: 'info.password', name: 'password', pointer: '/password', type: 'password', autocomplete: 'new-password', maxlength: 64 });
  const confirm = field({ label: 'info.passwordConfirm', name: 'password-confirm', pointer: '#confirm', type: 'password', autocomplete: 'new-password', maxlength: 64 });
  const hints = passwordHints(password.input, username.input);
  const email = field({ label: child ? 'info.emailChild' : 'info.email', name: 'email', pointer: '/email', type: 'email', autocomplete: 'email', maxlength: 254 });
  const phone = field({ label: child ? 'info.phoneChild' : 'info.phone', name: 'phone', pointer: '/phone', type: 'tel', hint: 'info.phoneHint', autocomplete: 'tel', maxlength: 13 });
  const library = librarySelect(app, institutions);

  checkButton.addEventListener('click', async () => {
    clearProblems(username.wrapper);
    availability.replaceChildren();
    const name = username.input.value.trim();
    if (!name) {
      markField(username.wrapper, '/username', { i18n: 'info.required' });
      username.input.focus();
      return;
    }
    const answer = await busyWhile(checkButton, username.wrapper, () => request('GET', `/v1/usernames/${encodeURIComponent(name)}`));
    ready(checkButton);
    if (!answer) return;
    if (!answer.ok) {
      const marked = showProblem(username.wrapper, alert, answer.body);
      if (!marked.length) username.input.focus();
      return;
    }
    clearProblems(form, alert);
    const key = answer.body.available ? 'info.usernameAvailable' : 'info.usernameUnavailable';
    const line = h('span', { class: answer.body.available ? 'ok' : 'bad', i18n: key, params: { username: answer.body.username } });
    availability.replaceChildren(line);
    if (!answer.body.available) {
      username.input.setAttribute('aria-invalid', 'true');
    }
  });
  username.input.addEventListener('input', () => availability.replaceChildren());

  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'info.submit' });
  const keyFor = idempotencyKeys();
  const form = h(
    'form',
    { attrs: { novalidate: true } },
    alert,
    child ? h('fieldset', {}, h('legend', { i18n: 'info.childLegend' }), childName.wrapper, childBirthDate.wrapper) : null,
    h('fieldset', {}, h('legend', { i18n: 'info.accountLegend' }), username.wrapper, availability, password.wrapper, hints, confirm.wrapper),
    h('fieldset', {}, h('legend', { i18n: child ? 'info.contactLegendChild' : 'info.contactLegend' }), email.wrapper, phone.wrapper, library.wrapper),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const required = [childName, childBirthDate, username, password, confirm, email, phone, library].filter(Boolean);
    const missing = required.filter((f) => !f.input.value.trim());
    for (const f of missing) markField(form, f.input.dataset.pointer, { i18n: 'info.required' });
    if (!missing.includes(confirm) && confirm.input.value !== password.input.value) {
      markField(form, '#confirm', { i18n: 'info.passwordMismatch' });
      missing.push(confirm);
    }
    if (missing.length) {
      fillAlert(alert, { titleKey: 'error.summary' });
      missing[0].input.focus();
      return;
    }
    const body = {
      username: username.input.value.trim(),
      password: password.input.value,
      email: email.input.value.trim(),
      phone: phone.input.value.trim(),
      homeLibrary: library.input.value,
    };
    if (child) body.child = { name: childName.input.value.trim(), birthDate: childBirthDate.input.value.trim() };
    // A double tap sends nothing twice (the button is disabled), and a retry of the same body has
    // the same Idempotency-Key: the service answers it with the first answer, never a second member.
    const answer = await busyWhile(submit, form, () =>
      request('POST', `/v1/signups/${flow.signupId}/member`, { body, token: flow.token, idempotencyKey: keyFor }),
    );
    if (!answer) return;
    if (answer.ok) {
      endFlow();
      created = answer.body;
      app.navigate('#/signup/done');
      return;
    }
    ready(submit);
    showProblem(form, alert, answer.body, {
      fieldFor: { 'username.taken': '/username', 'age.requires_general_signup': '/child/birthDate' },
      extra: [...alreadyMemberHint(answer.body), ...restartFor(answer.body)],
    });
  });

  // After a reload the verified person is no longer known to the page (it keeps none): only that the step is done.
  const verified = flow.verified;
  stepScreen(
    3,
    'info.heading',
    verified
      ? h('p', {
          class: 'verified',
          i18n: verified.role === 'guardian' ? 'info.verifiedGuardian' : 'info.verifiedSelf',
          params: { name: verified.name, birthDate: verified.birthDate },
        })
      : h('p', { class: 'verified', i18n: 'signup.verifiedAgain' }),
    form,
  );
}

// The result: 자료대출번호.

function showDone(member) {
  const row = (key, value, valueProps = {}) => [h('dt', { i18n: key }), h('dd', { ...valueProps, text: value })];
  const valueRow = (key, valueKey) => [h('dt', { i18n: key }), h('dd', { i18n: valueKey })];
  announce(t('done.heading'));
  stepScreen(
    4,
    'done.heading',
    h('p', { i18n: 'done.lead' }),
    h(
      'dl',
      { class: 'summary' },
      ...row('done.username', member.username),
      h('dt', { i18n: 'done.loanCard' }),
      h('dd', { class: 'loan-card' }, ...loanCardGroups(member.loanCardNumber)),
      ...valueRow('done.memberType', `memberType.${member.memberType}`),
      ...valueRow('done.grade', `grade.${member.grade}`),
    ),
    h('p', { class: 'note', i18n: 'done.next' }),
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button primary', href: `#/login?username=${encodeURIComponent(member.username)}`, i18n: 'done.login' }),
      h('a', { class: 'button', href: '#/certify', i18n: 'nav.certify' }),
    ),
  );
}

/** The 소속도서관 select of the nine institutions, whose names follow the language. */
export function librarySelect(app, institutions) {
  const library = selectField({
    label: 'info.library',
    name: 'home-library',
    pointer: '/homeLibrary',
    placeholder: 'info.libraryChoose',
    options: institutions.map((lib) => h('option', { value: lib.code, text: libraryName(lib), attrs: { 'data-library': lib.code } })),
  });
  app.onLanguage(library.input, () => {
    for (const option of library.input.querySelectorAll('option[data-library]')) {
      const lib = institutions.find((l) => l.code === option.value);
      if (lib) option.textContent = libraryName(lib);
    }
  });
  return library;
}
