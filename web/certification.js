// 비대면자격확인인증안내 (seed 000, steps 5 to 7): the guide, then 인천시민인증 (name and RRN) and
// 인천학생인증 (DLS name, ID and password), each after its consent. The RRN and the DLS password are
// typed into password inputs that browsers neither autofill nor remember, sent once, and cleared.

import { idempotencyKeys, memberRequest, session, terms } from './api.js';
import { alertBox, announce, busyWhile, field, h, ready, showScreen, uid } from './dom.js';
import { t } from './i18n.js';
import { verifyIdentity } from './identity.js';
import { clearProblems, fillAlert, markField, showProblem } from './problems.js';

export function renderGuide(app) {
  const section = (titleKey, ...keys) => {
    const id = uid('guide');
    return h('section', { class: 'card', attrs: { 'aria-labelledby': id } }, h('h2', { id, i18n: titleKey }), ...keys.map((key) => h('p', { i18n: key })));
  };
  const notesId = uid('notes');
  showScreen(
    app.main,
    'guide.heading',
    h(
      'div',
      { class: 'screen' },
      h('h1', { i18n: 'guide.heading' }),
      h('div', { class: 'cards' }, section('guide.citizen', 'guide.citizenText1', 'guide.citizenText2'), section('guide.student', 'guide.studentText1', 'guide.studentText2')),
      h(
        'section',
        { class: 'notes', attrs: { 'aria-labelledby': notesId } },
        h('h2', { id: notesId, i18n: 'guide.notes' }),
        h('ul', {}, h('li', { i18n: 'guide.note1' }), h('li', {}, h('strong', { i18n: 'guide.note2' })), h('li', { i18n: 'guide.note3' })),
      ),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button primary', href: '#/certify/citizen', i18n: 'guide.goCitizen' }),
        h('a', { class: 'button primary', href: '#/certify/student', i18n: 'guide.goStudent' }),
        h('a', { class: 'button', href: '#/', i18n: 'guide.main' }),
      ),
      h('p', { class: 'note', i18n: 'guide.footnote' }),
    ),
  );
}

/** Full age on the Asia/Seoul calendar today, from `YYYY-MM-DD`. */
function ageToday(birthDate) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [ty, tm, td] = today.split('-').map(Number);
  const [by, bm, bd] = birthDate.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** What both forms share: the member, the consent document and its checkbox, the guardian's verification, the outcome. */
async function certificationScreen(app, { route, documentId, headingKey, consentKey, fieldsetKey, fields, groups = [], intro = [], notes, footnotes, endpoint, bodyOf, afterSubmit, grades, nameField }) {
  if (!session.signedIn()) {
    app.navigate(`#/login?next=${route}`);
    return;
  }
  const [me, documents] = await Promise.all([memberRequest('GET', '/v1/members/me'), terms().catch(() => [])]);
  if (me.status === 401) {
    session.forget();
    app.refreshNav();
    app.navigate(`#/login?next=${route}`);
    return;
  }
  const member = me.ok ? me.body : null;
  const doc = documents.find((d) => d.id === documentId);
  const alert = alertBox();

  // The grade first: a member this certification cannot help is told so before typing anything.
  if (member && !grades.includes(member.grade)) {
    showScreen(
      app.main,
      headingKey,
      h(
        'div',
        { class: 'screen' },
        h('h1', { i18n: headingKey }),
        h('p', { class: 'status warn', i18n: 'cert.notApplicable', params: { grade: t(`grade.${member.grade}`) } }),
        h('div', { class: 'actions' }, h('a', { class: 'button primary', href: '#/me', i18n: 'cert.toMe' }), h('a', { class: 'button', href: '#/certify', i18n: 'cert.cancel' })),
      ),
    );
    return;
  }
  // The verified name (the child's, for a child member) is what the check compares: filled in.
  if (member?.name && nameField) {
    nameField.input.value = member.name;
    nameField.wrapper.querySelector('.hint')?.remove();
    nameField.wrapper.append(h('p', { class: 'hint', i18n: 'cert.nameFilled' }));
  }
  const attempts = h('p', { class: 'note attempts' });
  const showAttempts = () => {
    const count = attemptsLeft();
    attempts.dataset.i18n = 'cert.attempts';
    attempts.dataset.i18nParams = JSON.stringify({ count: String(count) });
    attempts.textContent = t('cert.attempts', { count: String(count) });
  };
  showAttempts();

  const docTitleId = uid('doc-title');
  const consentId = uid('consent');
  const consentError = h('p', { class: 'field-error', id: `${consentId}-error` });
  const consent = h('input', { type: 'checkbox', id: consentId, attrs: { 'data-pointer': '/consent', 'aria-describedby': consentError.id } });
  const consentSection = h(
    'div',
    { class: 'document' },
    h('h2', { id: docTitleId, text: doc?.title ?? '', attrs: { lang: 'ko' } }),
    h('div', { class: 'document-text', text: doc?.body ?? '', attrs: { role: 'region', tabindex: '0', 'aria-labelledby': docTitleId, lang: 'ko' } }),
    h('div', { class: 'check' }, consent, h('label', { htmlFor: consentId, i18n: consentKey })),
    consentError,
  );

  // PIPA art. 22-2: for a member under 14, the guardian who signed them up consents by verifying again.
  let guardian = null;
  const guardianNeeded = member?.memberType === 'child' && member.birthDate && ageToday(member.birthDate) < 14;
  const guardianError = h('p', { class: 'field-error', id: uid('guardian-error') });
  const guardianStatus = h('p', { class: 'status', attrs: { 'aria-live': 'polite' } });
  const guardianButton = (method, key) =>
    h('button', {
      type: 'button',
      class: 'button method',
      i18n: key,
      attrs: { 'data-method': method },
      on: {
        click: async (event) => {
          const button = event.currentTarget;
          const provided = await verifyIdentity(method, { purpose: 'guardian', token: session.access() });
          button.focus();
          if (!provided) return;
          if (provided.problem) {
            showProblem(form, alert, provided.problem);
            return;
          }
          guardian = provided.identity;
          guardianStatus.replaceChildren(h('span', { class: 'ok', i18n: 'cert.guardianDone' }));
        },
      },
    });
  const guardianSection = h(
    'fieldset',
    { class: 'guardian', hidden: !guardianNeeded, attrs: { 'data-pointer': '/guardian', 'aria-describedby': guardianError.id } },
    h('legend', { i18n: 'cert.guardianLegend' }),
    h('p', { i18n: 'cert.guardianText' }),
    h('p', { class: 'note', i18n: 'cert.guardianWhy' }),
    h('div', { class: 'methods' }, guardianButton('phone', 'identity.phone'), guardianButton('ipin', 'identity.ipin')),
    guardianStatus,
    guardianError,
  );

  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'cert.submit' });
  const form = h(
    'form',
    { attrs: { novalidate: true, autocomplete: 'off' } },
    ...intro.map((key) => h('p', { class: 'note', i18n: key })),
    consentSection,
    h('fieldset', {}, h('legend', { i18n: fieldsetKey }), ...fields.filter((f) => !groups.some((g) => g.contains(f.wrapper))).map((f) => f.wrapper), ...groups),
    guardianSection,
    ...notes.map((key) => h('p', { class: 'note strong', i18n: key })),
    alert,
    attempts,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button', href: '#/certify', i18n: 'cert.cancel' })),
  );
  const keyFor = idempotencyKeys();
  const outcome = h('div');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const missing = fields.filter((f) => !f.input.value.trim());
    for (const f of missing) markField(form, f.input.dataset.pointer, { i18n: 'info.required' });
    if (!consent.checked) markField(form, '/consent', { i18n: 'cert.consentRequired' });
    if (!guardianSection.hidden && !guardian) markField(form, '/guardian', { i18n: 'cert.guardianNeeded' });
    const invalid = form.querySelector('[aria-invalid="true"]') ?? (!guardianSection.hidden && !guardian ? guardianSection.querySelector('button') : null);
    if (invalid) {
      fillAlert(alert, { titleKey: 'error.summary' });
      invalid.focus();
      return;
    }
    const body = { consent: { document: doc.id, version: doc.version, agreed: true }, ...bodyOf() };
    if (guardian) body.guardian = guardian;
    const answer = await busyWhile(submit, form, () => memberRequest('POST', endpoint, body, { idempotencyKey: keyFor }));
    if (!answer) return;
    afterSubmit();
    countAttempt(answer);
    showAttempts();
    // A guardian's result is used up by any answer that reached the check.
    guardian = null;
    guardianStatus.replaceChildren();
    if (answer.ok) {
      showOutcome(outcome, form, answer.body);
      return;
    }
    ready(submit);
    if (answer.body.code === 'guardian.required') guardianSection.hidden = false;
    showProblem(form, alert, answer.body, {
      fieldFor: { 'consent.required': '/consent', 'consent.version_mismatch': '/consent', 'guardian.required': '/guardian' },
    });
  });
  showScreen(
    app.main,
    headingKey,
    h('div', { class: 'screen' }, h('h1', { i18n: headingKey }), form, outcome, ...footnotes.map((key) => h('p', { class: 'note', i18n: key }))),
  );
}

// 남은 인증 시도: API.md allows 5 a day (Asia/Seoul) per member, both methods together, and does not
// say how many are left; this tab counts the attempts it made today (not the other devices'), and a
// 429 certification.rate_limited sets it to none.
const ATTEMPTS_KEY = 'membership.certificationAttempts';
const DAILY_ATTEMPTS = 5;

function seoulDay() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function attemptsLeft() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(ATTEMPTS_KEY) ?? 'null');
    return kept?.day === seoulDay() ? Math.max(0, DAILY_ATTEMPTS - kept.used) : DAILY_ATTEMPTS;
  } catch {
    return DAILY_ATTEMPTS;
  }
}

function countAttempt(answer) {
  // What reached the attempt limit counts (API.md: every request but those answered 503, and the
  // checks before it: grade, consent, body rules, guardian).
  const before = ['certification.not_applicable', 'consent.required', 'consent.version_mismatch', 'validation.failed', 'guardian.required', 'upstream.unavailable'];
  let used = DAILY_ATTEMPTS - attemptsLeft();
  if (answer.body?.code === 'certification.rate_limited') used = DAILY_ATTEMPTS;
  else if (answer.status === 0 || before.includes(answer.body?.code) || answer.body?.code?.startsWith('identity.')) return;
  else used += 1;
  sessionStorage.setItem(ATTEMPTS_KEY, JSON.stringify({ day: seoulDay(), used: Math.min(used, DAILY_ATTEMPTS) }));
}

function showOutcome(outcome, form, result) {
  form.hidden = true;
  const headingId = uid('outcome');
  outcome.replaceChildren(
    h(
      'section',
      { class: 'outcome', attrs: { 'aria-labelledby': headingId } },
      h('h2', { id: headingId, i18n: 'cert.successHeading' }),
      h(
        'dl',
        { class: 'summary' },
        h('dt', { i18n: 'cert.method' }),
        h('dd', { i18n: `method.${result.certification.method}` }),
        h('dt', { i18n: 'me.grade' }),
        h('dd', { class: 'grade', i18n: `grade.${result.grade}`, attrs: { 'data-grade': result.grade } }),
      ),
      h('p', { i18n: 'cert.successLead' }),
      h('a', { class: 'button primary', href: '#/me', i18n: 'cert.toMe' }),
    ),
  );
  announce(t('cert.successHeading'));
  const heading = outcome.querySelector('h2');
  heading.tabIndex = -1;
  heading.focus();
}

export function renderCitizen(app) {
  const name = field({ label: 'cert.name', name: 'citizen-name', pointer: '/name', autocomplete: 'off', maxlength: 30 });
  // The RRN as 앞 6자리 (the birth date, shown) and 뒤 7자리 (masked like a password): never
  // autofilled or remembered by the browser, the back cleared after each try. Both report at /rrn.
  // The front takes 14 characters so that a whole number pasted there is split, not cut.
  const front = field({ label: 'cert.rrnFront', name: 'citizen-rrn-front', pointer: '/rrn', autocomplete: 'off', inputmode: 'numeric', maxlength: 14 });
  const back = field({ label: 'cert.rrnBack', name: 'citizen-rrn-back', pointer: '#rrn-back', type: 'password', autocomplete: 'off', inputmode: 'numeric', maxlength: 7 });
  // A whole number typed or pasted into the front goes on into the back.
  front.input.addEventListener('input', () => {
    const digits = front.input.value.replace(/\D/g, '');
    front.input.value = digits.slice(0, 6);
    if (digits.length > 6) {
      back.input.value = digits.slice(6, 13);
      back.input.focus();
    } else if (digits.length === 6 && document.activeElement === front.input && front.input.dataset.typed !== digits) {
      front.input.dataset.typed = digits;
      back.input.focus();
    }
  });
  back.input.addEventListener('input', () => {
    back.input.value = back.input.value.replace(/\D/g, '').slice(0, 7);
  });
  const hintId = uid('rrn-hint');
  for (const f of [front, back]) f.input.setAttribute('aria-describedby', `${hintId} ${f.input.getAttribute('aria-describedby')}`);
  const rrnGroup = h(
    'div',
    { class: 'rrn', attrs: { role: 'group', 'aria-describedby': hintId }, i18nAttrs: { 'aria-label': 'cert.rrnGroup' } },
    h('p', { class: 'hint', id: hintId, i18n: 'cert.rrnGroupHint' }),
    h('div', { class: 'rrn-parts' }, front.wrapper, h('span', { class: 'rrn-dash', attrs: { 'aria-hidden': 'true' }, text: '-' }), back.wrapper),
  );
  return certificationScreen(app, {
    route: '/certify/citizen',
    documentId: 'citizen-third-party',
    headingKey: 'cert.citizenHeading',
    consentKey: 'cert.consentCheckCitizen',
    fieldsetKey: 'cert.citizenForm',
    fields: [name, front, back],
    groups: [rrnGroup],
    grades: ['associate', 'light'],
    nameField: name,
    notes: ['cert.citizenNote'],
    footnotes: ['cert.citizenFootnote'],
    endpoint: '/v1/members/me/certifications/citizen',
    bodyOf: () => ({ name: name.input.value.trim(), rrn: `${front.input.value.trim()}-${back.input.value.trim()}` }),
    afterSubmit: () => {
      back.input.value = '';
    },
  });
}

export function renderStudent(app) {
  const dlsName = field({ label: 'cert.dlsName', name: 'dls-name', pointer: '/dlsName', autocomplete: 'off', maxlength: 30 });
  const dlsId = field({ label: 'cert.dlsId', name: 'dls-id', pointer: '/dlsId', autocomplete: 'off', maxlength: 64 });
  const dlsPassword = field({ label: 'cert.dlsPassword', name: 'dls-password', pointer: '/dlsPassword', type: 'password', autocomplete: 'off', maxlength: 128 });
  return certificationScreen(app, {
    route: '/certify/student',
    documentId: 'student-collection',
    headingKey: 'cert.studentHeading',
    consentKey: 'cert.consentCheckStudent',
    fieldsetKey: 'cert.studentForm',
    fields: [dlsName, dlsId, dlsPassword],
    grades: ['associate'],
    nameField: dlsName,
    intro: ['cert.studentIntro', 'cert.dlsUnknown'],
    notes: ['cert.studentNote'],
    footnotes: [],
    endpoint: '/v1/members/me/certifications/student',
    bodyOf: () => ({ dlsName: dlsName.input.value.trim(), dlsId: dlsId.input.value.trim(), dlsPassword: dlsPassword.input.value }),
    afterSubmit: () => {
      dlsPassword.input.value = '';
    },
  });
}
