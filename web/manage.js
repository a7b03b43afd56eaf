// 내 정보 관리: 회원정보 수정, 비밀번호 변경, 개인정보 재동의 (also a dormant member's way back),
// 회원탈퇴, 내 정보 내려받기 and 일반회원 전환 (a child member who has turned 14).

import { idempotencyKeys, libraries, memberRequest, request, session, terms } from './api.js';
import { alertBox, announce, busyWhile, field, h, ready, seoulDate, showScreen, uid } from './dom.js';
import { t } from './i18n.js';
import { verifyIdentity } from './identity.js';
import { passwordHints } from './password.js';
import { clearProblems, fillAlert, focusAlert, markField, showProblem } from './problems.js';
import { agreeToAll, librarySelect, privacySummary } from './signup.js';

/**
 * The signed-in member (GET /v1/members/me), or null after sending the visitor to sign in (no
 * session, or one the service no longer accepts). `route` is where sign-in comes back to.
 */
export async function currentMember(app, route) {
  if (!session.signedIn()) {
    app.navigate(`#/login?next=${route}`);
    return null;
  }
  const answer = await memberRequest('GET', '/v1/members/me');
  if (answer.status === 401) {
    app.signedOut('login.sessionEnded', route);
    return null;
  }
  if (!answer.ok) {
    const alert = alertBox();
    showScreen(app.main, 'me.heading', h('div', { class: 'screen' }, h('h1', { i18n: 'me.heading' }), alert));
    showProblem(app.main, alert, answer.body);
    return null;
  }
  return answer.body;
}

function screen(app, headingKey, ...content) {
  showScreen(
    app.main,
    headingKey,
    h('div', { class: 'screen narrow' }, h('h1', { i18n: headingKey }), ...content, h('p', {}, h('a', { href: '#/me', i18n: 'cert.toMe' }))),
  );
}

/** Required inputs left empty, each marked; answers whether all are filled. */
function filled(form, alert, fields) {
  const missing = fields.filter((f) => !f.input.value.trim());
  for (const f of missing) markField(form, f.input.dataset.pointer, { i18n: 'info.required' });
  if (!missing.length) return true;
  fillAlert(alert, { titleKey: 'error.summary' });
  missing[0].input.focus();
  return false;
}

// 회원정보 수정: PATCH /v1/members/me with what changed.

export async function renderEdit(app) {
  const [me, institutions] = await Promise.all([currentMember(app, '/me/edit'), libraries().catch(() => [])]);
  if (!me) return;
  const alert = alertBox();
  const done = h('p', { class: 'status', attrs: { role: 'status' } });
  const child = me.memberType === 'child';
  const email = field({ label: child ? 'me.guardianEmail' : 'info.email', name: 'email', pointer: '/email', type: 'email', autocomplete: 'email', maxlength: 254 });
  const phone = field({ label: child ? 'me.guardianPhone' : 'info.phone', name: 'phone', pointer: '/phone', type: 'tel', hint: 'info.phoneHint', autocomplete: 'tel', maxlength: 13 });
  const library = librarySelect(app, institutions);
  email.input.value = me.email ?? '';
  phone.input.value = me.phone ?? '';
  library.input.value = me.homeLibrary ?? '';
  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'edit.save' });
  const form = h('form', { attrs: { novalidate: true } }, alert, email.wrapper, phone.wrapper, library.wrapper, h('div', { class: 'actions' }, submit), done);
  let saved = { email: me.email, phone: me.phone, homeLibrary: me.homeLibrary };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    done.replaceChildren();
    if (!filled(form, alert, [email, phone, library])) return;
    const wanted = { email: email.input.value.trim(), phone: phone.input.value.trim(), homeLibrary: library.input.value };
    const body = Object.fromEntries(Object.entries(wanted).filter(([name, value]) => value !== saved[name]));
    const answer = await busyWhile(submit, form, () => memberRequest('PATCH', '/v1/members/me', body));
    if (!answer) return;
    ready(submit);
    if (!answer.ok) {
      if (answer.status === 401) return app.signedOut('login.sessionEnded', '/me/edit');
      showProblem(form, alert, answer.body);
      return;
    }
    saved = { email: answer.body.email, phone: answer.body.phone, homeLibrary: answer.body.homeLibrary };
    done.replaceChildren(h('span', { class: 'ok', i18n: 'edit.saved' }));
  });
  screen(app, 'edit.heading', h('p', { i18n: 'edit.lead' }), child ? h('p', { class: 'note', i18n: 'me.childNote' }) : null, form);
}

// 비밀번호 변경: every session ends, this one too; the member signs in again.

export async function renderPassword(app) {
  const me = await currentMember(app, '/me/password');
  if (!me) return;
  const alert = alertBox();
  const current = field({ label: 'password.current', name: 'current-password', pointer: '/currentPassword', type: 'password', autocomplete: 'current-password', maxlength: 64 });
  const next = field({ label: 'password.new', name: 'new-password', pointer: '/newPassword', type: 'password', autocomplete: 'new-password', maxlength: 64 });
  const confirm = field({ label: 'password.confirm', name: 'confirm-password', pointer: '#confirm', type: 'password', autocomplete: 'new-password', maxlength: 64 });
  const usernameHolder = h('input', { type: 'hidden', value: me.username });
  const hints = passwordHints(next.input, usernameHolder);
  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'password.submit' });
  const form = h('form', { attrs: { novalidate: true } }, alert, current.wrapper, next.wrapper, hints, confirm.wrapper, h('div', { class: 'actions' }, submit));
  const keyFor = idempotencyKeys();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    if (!filled(form, alert, [current, next, confirm])) return;
    if (confirm.input.value !== next.input.value) {
      markField(form, '#confirm', { i18n: 'info.passwordMismatch' });
      fillAlert(alert, { titleKey: 'error.summary' });
      confirm.input.focus();
      return;
    }
    const body = { currentPassword: current.input.value, newPassword: next.input.value };
    const answer = await busyWhile(submit, form, () => memberRequest('POST', '/v1/members/me/password', body, { idempotencyKey: keyFor }));
    if (!answer) return;
    if (answer.ok) {
      current.input.value = next.input.value = confirm.input.value = '';
      app.signedOut('login.passwordChanged', '/me', me.username);
      return;
    }
    ready(submit);
    current.input.value = '';
    showProblem(form, alert, answer.body, { fieldFor: { 'auth.invalid_credentials': '/currentPassword' }, extra: lockedExtra(answer) });
  });
  screen(app, 'password.heading', h('p', { i18n: 'password.lead' }), form);
}

/** 로그인 제한: until when, and the way to 비밀번호 찾기. */
export function lockedExtra(answer) {
  if (answer.body?.code !== 'auth.locked') return [];
  const until = new Date(Date.now() + (answer.retryAfter ?? 900) * 1000);
  const time = new Intl.DateTimeFormat('ko-KR', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit', hour12: false }).format(until);
  return [
    h('p', { class: 'locked-until', i18n: 'login.lockedUntil', params: { time } }),
    h('a', { href: '#/reset-password', i18n: 'nav.resetPassword' }),
  ];
}

// 개인정보 재동의: the two sign-up documents again, with 전체동의; a dormant member's way back.

export async function renderRenewal(app, { password } = {}) {
  const [me, documents] = await Promise.all([currentMember(app, '/me/renew'), terms().catch(() => null)]);
  if (!me) return;
  const alert = alertBox();
  const docs = (documents ?? []).filter((doc) => doc.step === 'signup');
  const checks = docs.map((doc, index) => {
    const titleId = uid('doc-title');
    const checkId = uid('doc-check');
    const errorNode = h('p', { class: 'field-error', id: `${checkId}-error` });
    const checkbox = h('input', { type: 'checkbox', id: checkId, attrs: { 'data-pointer': `/consents/${index}`, 'aria-describedby': errorNode.id } });
    const section = h(
      'div',
      { class: 'document' },
      h('h2', { id: titleId, text: doc.title, attrs: { lang: 'ko' } }),
      h('div', { class: 'document-text', text: doc.body, attrs: { role: 'region', tabindex: '0', 'aria-labelledby': titleId, lang: 'ko' } }),
      h(
        'div',
        { class: 'check' },
        checkbox,
        h('label', { htmlFor: checkId }, h('span', { i18n: 'terms.agreeTo', params: { title: doc.title } }), doc.required ? [' ', h('span', { class: 'required', i18n: 'terms.required' })] : null),
      ),
      errorNode,
    );
    if (doc.id === 'privacy-collection') section.insertBefore(privacySummary(3), section.querySelector('.check'));
    return { doc, checkbox, section };
  });
  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'renew.submit' });
  const form = h(
    'form',
    { attrs: { novalidate: true } },
    agreeToAll(checks.map((c) => c.checkbox)),
    ...checks.map((c) => c.section),
    alert,
    h('div', { class: 'actions' }, submit),
  );
  const keyFor = idempotencyKeys();
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
    const body = { consents: checks.map(({ doc }) => ({ document: doc.id, version: doc.version, agreed: true })) };
    const answer = await busyWhile(submit, form, () => memberRequest('POST', '/v1/members/me/consents/renewal', body, { idempotencyKey: keyFor }));
    if (!answer) return;
    if (!answer.ok) {
      ready(submit);
      if (answer.status === 401) return app.signedOut('login.sessionEnded', '/me/renew');
      showProblem(form, alert, answer.body);
      return;
    }
    announce(t('renew.done', { date: seoulDate(answer.body.consentRenewalDue) }));
    if (!session.dormant()) {
      app.navigate('#/me');
      return;
    }
    // API.md: after renewal a dormant member signs in again. With the password typed a moment ago
    // (kept in this call only), that happens at once; otherwise the sign-in screen asks for it.
    const username = me.username;
    const signIn = password ? await request('POST', '/v1/sessions', { body: { username, password } }) : null;
    if (signIn?.ok) {
      session.keep(signIn.body);
      app.signedIn();
      app.navigate('#/me');
    } else {
      app.signedOut('login.renewed', '/me', username);
    }
  });
  const due = seoulDate(me.consentRenewalDue);
  screen(
    app,
    'renew.heading',
    me.status === 'dormant' ? h('p', { class: 'status warn', i18n: 'renew.dormantLead' }) : null,
    h('p', { i18n: 'renew.lead', params: { date: due } }),
    form,
  );
}

// 회원탈퇴: what is deleted and what stays, confirmed by the password (a fresh sign-in proves it).

export async function renderWithdraw(app) {
  const me = await currentMember(app, '/me/withdraw');
  if (!me) return;
  const alert = alertBox();
  const password = field({ label: 'withdraw.password', name: 'withdraw-password', pointer: '/password', type: 'password', autocomplete: 'current-password', maxlength: 64 });
  const understandId = uid('understand');
  const understandError = h('p', { class: 'field-error', id: `${understandId}-error` });
  const understand = h('input', { type: 'checkbox', id: understandId, attrs: { 'data-pointer': '#understand', 'aria-describedby': understandError.id } });
  const submit = h('button', { type: 'submit', class: 'button danger', i18n: 'withdraw.submit' });
  const list = (headingKey, ...keys) => {
    const id = uid('withdraw-list');
    return h('section', { class: 'card', attrs: { 'aria-labelledby': id } }, h('h2', { id, i18n: headingKey }), h('ul', {}, ...keys.map((key) => h('li', { i18n: key }))));
  };
  const form = h(
    'form',
    { attrs: { novalidate: true } },
    alert,
    password.wrapper,
    h('div', { class: 'check' }, understand, h('label', { htmlFor: understandId, i18n: 'withdraw.understand' })),
    understandError,
    h('div', { class: 'actions' }, submit, h('a', { class: 'button', href: '#/me', i18n: 'cert.cancel' })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    if (!filled(form, alert, [password])) return;
    if (!understand.checked) {
      markField(form, '#understand', { i18n: 'withdraw.understandRequired' });
      fillAlert(alert, { titleKey: 'error.summary' });
      understand.focus();
      return;
    }
    const answer = await busyWhile(submit, form, async () => {
      // DELETE /v1/members/me takes no body: the password is checked by signing in with it, and the
      // withdrawal goes with that fresh session (a dormant member's sign-in answers 403 with a token).
      const proof = await request('POST', '/v1/sessions', { body: { username: me.username, password: password.input.value } });
      const token = proof.body?.accessToken;
      if (!token) return proof;
      return request('DELETE', '/v1/members/me', { token });
    });
    if (!answer) return;
    password.input.value = '';
    if (!answer.ok) {
      ready(submit);
      showProblem(form, alert, answer.body, { fieldFor: { 'auth.invalid_credentials': '/password' }, extra: lockedExtra(answer) });
      return;
    }
    session.forget();
    app.signedOutQuietly();
    const headingId = uid('withdrawn');
    showScreen(
      app.main,
      'withdraw.heading',
      h(
        'div',
        { class: 'screen narrow' },
        h('h1', { i18n: 'withdraw.heading' }),
        h('section', { attrs: { 'aria-labelledby': headingId } }, h('h2', { id: headingId, class: 'status ok', i18n: 'withdraw.done' })),
        h('a', { class: 'button', href: '#/', i18n: 'guide.main' }),
      ),
    );
  });
  screen(app, 'withdraw.heading', h('p', { class: 'note strong', i18n: 'withdraw.lead' }), list('withdraw.deleted', 'withdraw.deleted1', 'withdraw.deleted2', 'withdraw.deleted3'), list('withdraw.kept', 'withdraw.kept1', 'withdraw.kept2'), form);
}

// 내 정보 내려받기: GET /v1/members/me/export, saved as a file.

export async function downloadExport(app, button, alert) {
  const answer = await busyWhile(button, button.closest('section'), () => memberRequest('GET', '/v1/members/me/export'));
  ready(button);
  if (!answer) return;
  if (!answer.ok) {
    if (answer.status === 401) return app.signedOut('login.sessionEnded', '/me');
    showProblem(app.main, alert, answer.body);
    return;
  }
  const blob = new Blob([JSON.stringify(answer.body, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, attrs: { download: `membership-export-${seoulDate(new Date().toISOString())}.json`, hidden: true } });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  announce(t('me.exported'));
}

// 일반회원 전환: the child's own verification, at 14 or over.

/** The day a person born on `birthDate` (`YYYY-MM-DD`) turns 14 (29 February: 1 March in other years). */
export function fourteenthBirthday(birthDate) {
  const [y, m, d] = birthDate.split('-').map(Number);
  const date = new Date(Date.UTC(y + 14, m - 1, d));
  return date.toISOString().slice(0, 10);
}

function seoulToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export async function renderUpgrade(app) {
  const me = await currentMember(app, '/me/upgrade');
  if (!me) return;
  const alert = alertBox();
  const holder = h('div', {}, alert);
  const from = me.birthDate ? fourteenthBirthday(me.birthDate) : null;
  if (me.memberType !== 'child') {
    app.redirect('#/me');
    return;
  }
  const notYet = from && seoulToday() < from;
  const keyFor = idempotencyKeys();
  const choose = async (method, button) => {
    clearProblems(holder, alert);
    const provided = await verifyIdentity(method, { purpose: 'upgrade', token: session.access() });
    if (!provided) {
      button.focus();
      return;
    }
    if (provided.problem) {
      showProblem(holder, alert, provided.problem);
      return;
    }
    const body = { identity: provided.identity };
    const answer = await busyWhile(button, holder, () => memberRequest('POST', '/v1/members/me/upgrade', body, { idempotencyKey: keyFor }));
    if (!answer) return;
    if (!answer.ok) {
      ready(button);
      showProblem(holder, alert, answer.body);
      return;
    }
    announce(t('upgrade.done'));
    app.navigate('#/me?upgraded');
  };
  const methods = h(
    'div',
    { class: 'methods', attrs: { role: 'group' }, i18nAttrs: { 'aria-label': 'identity.methods' } },
    ...[
      ['phone', 'identity.phone'],
      ['ipin', 'identity.ipin'],
    ].map(([method, key]) =>
      h('button', { type: 'button', class: 'button method', i18n: key, attrs: { 'data-method': method }, disabled: Boolean(notYet), on: { click: (e) => choose(method, e.currentTarget) } }),
    ),
  );
  screen(
    app,
    'upgrade.heading',
    h('p', { i18n: 'upgrade.lead' }),
    h('p', { class: 'note', i18n: 'upgrade.after' }),
    notYet ? h('p', { class: 'status warn', i18n: 'upgrade.notYet', params: { date: from } }) : null,
    holder,
    methods,
  );
  if (alert.childNodes.length) focusAlert(alert);
}
