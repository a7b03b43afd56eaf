// 로그인, 마이페이지 (grade and entitlements), 아이디 찾기 and 비밀번호 찾기.

import { libraries, request, session } from './api.js';
import { alertBox, announce, busyWhile, field, h, loanCardGroups, ready, seoulDate, showScreen, uid } from './dom.js';
import { libraryName, t } from './i18n.js';
import { verifyIdentity } from './identity.js';
import { currentMember, downloadExport, fourteenthBirthday, lockedExtra, renderRenewal } from './manage.js';
import { clearProblems, fillAlert, markField, showProblem } from './problems.js';
import { passwordHints } from './password.js';

// 로그인

export function renderLogin(app, params) {
  const alert = alertBox();
  const username = field({ label: 'login.username', name: 'login-username', pointer: '/username', autocomplete: 'username', maxlength: 20 });
  const password = field({ label: 'login.password', name: 'login-password', pointer: '/password', type: 'password', autocomplete: 'current-password' });
  username.input.value = params.get('username') ?? '';
  const submit = h('button', { type: 'submit', class: 'button primary', i18n: 'login.submit' });
  const form = h('form', { attrs: { novalidate: true } }, alert, username.wrapper, password.wrapper, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const missing = [username, password].filter((f) => !f.input.value);
    for (const f of missing) markField(form, f.input.dataset.pointer, { i18n: 'info.required' });
    if (missing.length) {
      fillAlert(alert, { titleKey: 'error.summary' });
      missing[0].input.focus();
      return;
    }
    const typed = { username: username.input.value.trim(), password: password.input.value };
    const answer = await busyWhile(submit, form, () => request('POST', '/v1/sessions', { body: typed }));
    if (!answer) return;
    password.input.value = '';
    if (answer.ok) {
      session.keep(answer.body);
      app.signedIn();
      const next = params.get('next');
      app.navigate(next && next.startsWith('/') ? `#${next}` : '#/me');
      return;
    }
    if (answer.body.code === 'member.dormant' && answer.body.accessToken) {
      // A dormant member's way back: the token the answer holds reaches the renewal, and the
      // password just typed signs in again once it is done (held by this call only).
      session.keep(answer.body, { dormant: true });
      app.signedIn();
      history.pushState(null, '', '#/me/renew');
      app.refreshNav();
      renderRenewal(app, { password: typed.password });
      return;
    }
    ready(submit);
    showProblem(form, alert, answer.body, { extra: lockedExtra(answer) });
  });
  const reason = ['autoLoggedOut', 'passwordChanged', 'renewed', 'sessionEnded'].find((r) => r === params.get('reason'));
  const needed = reason
    ? h('p', { class: 'status warn', attrs: { role: 'status' }, i18n: `login.${reason}` })
    : params.get('next')
      ? h('p', { class: 'status', i18n: 'login.needed' })
      : null;
  showScreen(
    app.main,
    'login.heading',
    h(
      'div',
      { class: 'screen narrow' },
      h('h1', { i18n: 'login.heading' }),
      needed,
      form,
      h(
        'ul',
        { class: 'links' },
        h('li', {}, h('a', { href: '#/signup', i18n: 'nav.signup' })),
        h('li', {}, h('a', { href: '#/find-username', i18n: 'nav.findUsername' })),
        h('li', {}, h('a', { href: '#/reset-password', i18n: 'nav.resetPassword' })),
      ),
    ),
  );
}

// 마이페이지

const ENTITLEMENTS = ['eLibrary', 'unmannedReservation', 'smartLibrary', 'deskLoans'];

/** Days from now to `instant`, rounded up (a renewal due later today is 1 day away). */
function daysUntil(instant) {
  return Math.ceil((new Date(instant).getTime() - Date.now()) / 86400000);
}

/** Copies the loan-card number, and says so. */
function copyButton(number) {
  const done = h('span', { class: 'copied', attrs: { role: 'status' } });
  const button = h('button', {
    type: 'button',
    class: 'button small',
    i18n: 'me.copy',
    i18nAttrs: { 'aria-label': 'me.copyLabel' },
    on: {
      click: async () => {
        try {
          await navigator.clipboard.writeText(number);
          done.dataset.i18n = 'me.copied';
          done.textContent = t('me.copied');
        } catch {
          done.dataset.i18n = 'me.copyFailed';
          done.textContent = t('me.copyFailed');
        }
      },
    },
  });
  return [button, done];
}

export async function renderMe(app) {
  const [me, institutions] = await Promise.all([currentMember(app, '/me'), libraries().catch(() => [])]);
  if (!me) return;
  const child = me.memberType === 'child';
  const dormant = me.status === 'dormant';
  const library = institutions.find((lib) => lib.code === me.homeLibrary);
  const libraryNode = h('dd', { text: library ? libraryName(library) : me.homeLibrary });
  app.onLanguage(libraryNode, () => {
    if (library) libraryNode.textContent = libraryName(library);
  });
  const row = (key, value, props = {}) => [h('dt', { i18n: key }), h('dd', { ...props, text: value ?? '' })];
  const keyRow = (key, valueKey, props = {}) => [h('dt', { i18n: key }), h('dd', { ...props, i18n: valueKey })];
  const profileId = uid('profile');
  const entitlementsId = uid('entitlements');
  const certificationsId = uid('certifications');
  const manageId = uid('manage');
  const gradesId = uid('grades');
  const alert = alertBox();
  const logout = h('button', { type: 'button', class: 'button', i18n: 'nav.logout', on: { click: () => app.logout() } });
  const days = daysUntil(me.consentRenewalDue);
  const due = seoulDate(me.consentRenewalDue);
  const renewal = dormant
    ? h('div', { class: 'notice warn' }, h('p', { i18n: 'me.dormantNotice' }), h('a', { class: 'button primary', href: '#/me/renew', i18n: 'login.renewNow' }))
    : days <= 30
      ? h('div', { class: 'notice warn', attrs: { 'data-renewal-warning': true } }, h('p', { i18n: 'me.renewalSoon', params: { days: String(Math.max(days, 0)), date: due } }), h('a', { class: 'button primary', href: '#/me/renew', i18n: 'me.renew' }))
      : null;
  const exportButton = h('button', { type: 'button', class: 'button', i18n: 'me.export', on: { click: (e) => downloadExport(app, e.currentTarget, alert) } });
  const action = (href, key) => h('li', {}, h('a', { class: 'button', href, i18n: key }));
  const upgradeFrom = child && me.birthDate ? fourteenthBirthday(me.birthDate) : null;
  showScreen(
    app.main,
    'me.heading',
    h(
      'div',
      { class: 'screen' },
      h('h1', { i18n: 'me.heading' }),
      alert,
      renewal,
      h(
        'section',
        { attrs: { 'aria-labelledby': profileId } },
        h('h2', { id: profileId, i18n: 'me.profile' }),
        h(
          'dl',
          { class: 'summary' },
          ...row('me.username', me.username),
          ...row(child ? 'me.childName' : 'me.name', me.name),
          ...row(child ? 'me.childBirthDate' : 'me.birthDate', me.birthDate, { class: 'date' }),
          ...keyRow('me.memberType', `memberType.${me.memberType}`),
          ...keyRow('me.grade', `grade.${me.grade}`, { class: 'grade', attrs: { 'data-grade': me.grade } }),
          h('dt', { i18n: 'me.loanCard' }),
          h('dd', { class: 'loan-card' }, ...loanCardGroups(me.loanCardNumber)),
          h('dd', { class: 'copy' }, ...copyButton(me.loanCardNumber)),
          h('dt', { i18n: 'me.homeLibrary' }),
          libraryNode,
          ...(me.guardian ? row('me.guardian', me.guardian.name) : []),
          ...row(child ? 'me.guardianEmail' : 'me.email', me.email),
          ...row(child ? 'me.guardianPhone' : 'me.phone', me.phone),
          ...keyRow('me.status', `status.${me.status}`),
          ...row('me.renewalDue', due, { class: 'date' }),
        ),
        child ? h('p', { class: 'note', i18n: 'me.childNote' }) : null,
      ),
      h(
        'section',
        { attrs: { 'aria-labelledby': entitlementsId } },
        h('h2', { id: entitlementsId, i18n: 'me.entitlements' }),
        h(
          'table',
          { class: 'entitlements' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', i18n: 'me.service' }), h('th', { scope: 'col', i18n: 'me.availability' }))),
          h(
            'tbody',
            {},
            ...ENTITLEMENTS.map((name) => {
              const allowed = Boolean(me.entitlements?.[name]);
              return h(
                'tr',
                { attrs: { 'data-entitlement': name } },
                h('th', { scope: 'row', i18n: `entitlement.${name}` }),
                h(
                  'td',
                  { class: allowed ? 'yes' : 'no' },
                  h('span', { class: 'mark', attrs: { 'aria-hidden': 'true' }, text: allowed ? '✓' : '✕' }),
                  ' ',
                  h('span', { i18n: allowed ? 'me.yes' : 'me.no' }),
                ),
              );
            }),
          ),
        ),
      ),
      h(
        'section',
        { class: 'grades', attrs: { 'aria-labelledby': gradesId } },
        h('h2', { id: gradesId, i18n: 'me.gradeHelp' }),
        h('ul', {}, h('li', { i18n: 'me.gradeAssociate' }), h('li', { i18n: 'me.gradeLight' }), h('li', { i18n: 'me.gradeFull' })),
        h('p', { class: 'note', i18n: 'me.gradeVisit' }),
      ),
      h(
        'section',
        { attrs: { 'aria-labelledby': certificationsId } },
        h('h2', { id: certificationsId, i18n: 'me.certifications' }),
        me.certifications?.length
          ? h(
              'ul',
              { class: 'certifications' },
              ...me.certifications.map((c) => h('li', {}, h('span', { i18n: `method.${c.method}` }), ' · ', h('span', { class: 'date', text: seoulDate(c.certifiedAt) }))),
            )
          : h('p', { i18n: 'me.noCertifications' }),
      ),
      h(
        'section',
        { class: 'manage', attrs: { 'aria-labelledby': manageId } },
        h('h2', { id: manageId, i18n: 'me.manage' }),
        h(
          'ul',
          { class: 'manage-actions' },
          dormant ? null : action('#/me/edit', 'me.edit'),
          dormant ? null : action('#/me/password', 'me.changePassword'),
          action('#/me/renew', 'me.renew'),
          upgradeFrom && !dormant ? action('#/me/upgrade', 'me.upgrade') : null,
          h('li', {}, exportButton, h('p', { class: 'hint', i18n: 'me.exportHint' })),
          action('#/me/withdraw', 'me.withdraw'),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        me.grade !== 'full' && !dormant ? h('a', { class: 'button primary', href: '#/certify', i18n: 'me.certifyCta' }) : null,
        logout,
      ),
    ),
  );
}

// 아이디 찾기 / 비밀번호 찾기: both start from a fresh identity result.

function methodButtons(onChoose) {
  const button = (method, key) =>
    h('button', { type: 'button', class: 'button method', i18n: key, attrs: { 'data-method': method }, on: { click: (e) => onChoose(method, e.currentTarget) } });
  return h('div', { class: 'methods', attrs: { role: 'group' }, i18nAttrs: { 'aria-label': 'identity.methods' } }, button('phone', 'identity.phone'), button('ipin', 'identity.ipin'));
}

export function renderFindUsername(app) {
  const alert = alertBox();
  const results = h('div', { attrs: { 'aria-live': 'polite' } });
  const holder = h('div', {}, alert);
  const choose = async (method, button) => {
    clearProblems(holder, alert);
    results.replaceChildren();
    const provided = await verifyIdentity(method, { purpose: 'recovery' });
    if (!provided) {
      button.focus();
      return;
    }
    const answer = provided.problem
      ? { ok: false, body: provided.problem }
      : await request('POST', '/v1/recovery/username', { body: { identity: provided.identity } });
    if (!answer.ok) {
      // The alert takes the focus: it says why; the method buttons come right after it.
      showProblem(holder, alert, answer.body);
      return;
    }
    const headingId = uid('accounts');
    results.replaceChildren(
      h('h2', { id: headingId, i18n: 'recover.accounts' }),
      h(
        'ul',
        { class: 'accounts', attrs: { 'aria-labelledby': headingId } },
        ...answer.body.accounts.map((a) =>
          h('li', {}, h('strong', { text: a.username }), ' · ', h('span', { i18n: `memberType.${a.memberType}` }), ' · ', h('span', { i18n: 'recover.createdOn', params: { date: a.createdOn } })),
        ),
      ),
      h('a', { class: 'button primary', href: '#/login', i18n: 'nav.login' }),
    );
    results.querySelector('h2').tabIndex = -1;
    results.querySelector('h2').focus();
  };
  showScreen(
    app.main,
    'recover.usernameHeading',
    h('div', { class: 'screen narrow' }, h('h1', { i18n: 'recover.usernameHeading' }), h('p', { i18n: 'recover.usernameLead' }), holder, methodButtons(choose), results),
  );
}

export function renderResetPassword(app) {
  const alert = alertBox();
  const username = field({ label: 'login.username', name: 'reset-username', pointer: '/username', autocomplete: 'username', maxlength: 20 });
  const password = field({ label: 'recover.newPassword', name: 'reset-password', pointer: '/newPassword', type: 'password', autocomplete: 'new-password', maxlength: 64 });
  const confirm = field({ label: 'info.passwordConfirm', name: 'reset-confirm', pointer: '#confirm', type: 'password', autocomplete: 'new-password', maxlength: 64 });
  const hints = passwordHints(password.input, username.input);
  const done = h('div', { attrs: { 'aria-live': 'polite' } });
  const form = h('form', { attrs: { novalidate: true } }, alert, username.wrapper, password.wrapper, hints, confirm.wrapper);
  form.addEventListener('submit', (event) => event.preventDefault());
  const choose = async (method, button) => {
    clearProblems(form, alert);
    const missing = [username, password, confirm].filter((f) => !f.input.value);
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
    const provided = await verifyIdentity(method, { purpose: 'recovery' });
    if (!provided) {
      button.focus();
      return;
    }
    const body = { identity: provided.identity, username: username.input.value.trim(), newPassword: password.input.value };
    const answer = provided.problem ? { ok: false, body: provided.problem } : await request('POST', '/v1/recovery/password', { body });
    if (!answer.ok) {
      showProblem(form, alert, answer.body);
      return;
    }
    password.input.value = confirm.input.value = '';
    session.forget();
    app.refreshNav();
    announce(t('recover.passwordChanged'));
    done.replaceChildren(h('p', { class: 'status ok', i18n: 'recover.passwordChanged' }), h('a', { class: 'button primary', href: `#/login?username=${encodeURIComponent(body.username)}`, i18n: 'nav.login' }));
  };
  showScreen(
    app.main,
    'recover.passwordHeading',
    h(
      'div',
      { class: 'screen narrow' },
      h('h1', { i18n: 'recover.passwordHeading' }),
      h('p', { i18n: 'recover.passwordLead' }),
      form,
      h('p', { class: 'label', i18n: 'recover.verifyWith' }),
      methodButtons(choose),
      done,
    ),
  );
}

/** 로그아웃: the service revokes the session, and the tokens leave this tab whatever it answers. */
export async function logout(app, { reason } = {}) {
  const token = session.access();
  session.forget();
  if (token) await request('DELETE', '/v1/sessions/current', { token });
  app.refreshNav();
  if (reason) {
    app.navigate(`#/login?reason=${reason}`);
    return;
  }
  announce(t('me.loggedOut'));
  app.navigate('#/');
}
