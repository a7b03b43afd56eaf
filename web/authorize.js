// The authorization page of single sign-on (API.md, "Single sign-on for the libraries' services"): the
// same document as `/`, served at `/oauth2/authorize?response_type=code&client_id&redirect_uri&...`.
// It shows which service asks for what, signs the member in with the web client's own sign-in when
// needed (a member already signed in at the membership site in this browser tab is not asked again),
// and answers the service through `POST /v1/oauth2/authorizations`: consent, or decline
// (`access_denied`). A service that requires an entitlement the member lacks leads to
// 비대면자격확인인증, whose screens run under this same address, and back here.
//
// The request's parameters stay in the address (nothing is stored but a marker that a fresh sign-in
// was asked for, which holds no personal data), and the page never navigates to a redirect URI the
// service did not hand it: every redirect comes from the API, which checks the URI against the
// client's registration.

import { memberRequest, request, session } from './api.js';
import { alertBox, h, showScreen, uid } from './dom.js';
import { addStrings, language, t } from './i18n.js';
import { fillAlert } from './problems.js';

export const AUTHORIZE_PATH = '/oauth2/authorize';

/** The parameters the page forwards to the API, by their names in the address. */
const FORWARDED = {
  response_type: 'responseType',
  client_id: 'clientId',
  redirect_uri: 'redirectUri',
  scope: 'scope',
  state: 'state',
  nonce: 'nonce',
  code_challenge: 'codeChallenge',
  code_challenge_method: 'codeChallengeMethod',
  prompt: 'prompt',
};

/** Claims each scope releases (API.md): what the member is told the service will learn. */
const SCOPES = ['openid', 'profile', 'library'];

/** A sign-in asked for by `prompt=login`, for this request only (keyed by its state and client). */
const FRESH_SIGN_IN = 'membership.authorize.freshSignIn';

addStrings({
  ko: {
    'authorize.heading': '서비스 연결 동의',
    'authorize.asks': '{client}에서 통합회원으로 로그인하려고 합니다.',
    'authorize.signedInAs': '로그인한 회원',
    'authorize.otherAccount': '다른 아이디로 로그인',
    'authorize.shares': '동의하면 {client}에 다음 정보가 제공됩니다.',
    'authorize.scope.openid': '이 서비스에서만 쓰이는 회원 식별번호',
    'authorize.scope.profile': '이름, 아이디',
    'authorize.scope.library': '회원등급, 이용 가능한 서비스, 자료대출번호, 소속 도서관, 회원유형',
    'authorize.destination': '동의하거나 취소하면 다음 주소로 돌아갑니다: {origin}',
    'authorize.allow': '동의하고 계속하기',
    'authorize.deny': '동의하지 않음',
    'authorize.working': '처리 중…',
    'authorize.invalidHeading': '잘못된 로그인 요청',
    'authorize.invalidText': '요청한 서비스를 확인할 수 없어 이 요청을 처리하지 않았습니다. 이용하던 서비스에서 다시 로그인해 주세요.',
    'authorize.missing': '요청에 필요한 정보({names})가 없습니다.',
    'authorize.entitlementHeading': '비대면자격확인인증이 필요합니다',
    'authorize.entitlementText': '{client}은(는) {entitlement} 이용 자격이 있는 회원만 이용할 수 있습니다. 인천시민인증 또는 인천학생인증으로 정회원이 되면 이용할 수 있습니다.',
    'authorize.entitlementAfter': '인증을 마친 뒤 "로그인 요청으로 돌아가기"를 누르면 이 화면으로 돌아옵니다.',
    'authorize.certify': '비대면자격확인인증 하기',
    'authorize.returnLabel': '진행 중인 서비스 로그인',
    'authorize.returnText': '{client}의 로그인 요청을 처리하고 있습니다.',
    'authorize.return': '로그인 요청으로 돌아가기',
    'authorize.cancel': '취소하고 서비스로 돌아가기',
    'authorize.leaving': '{client}(으)로 이동합니다…',
    'authorize.unknownClient': '요청한 서비스',
  },
  en: {
    'authorize.heading': 'Connect a service',
    'authorize.asks': '{client} wants to sign you in with your library membership.',
    'authorize.signedInAs': 'Signed in as',
    'authorize.otherAccount': 'Sign in with another username',
    'authorize.shares': 'If you agree, {client} receives:',
    'authorize.scope.openid': 'An identifier of you used by this service only',
    'authorize.scope.profile': 'Your name and username',
    'authorize.scope.library': 'Your grade, the services you may use, loan-card number, home library and member type',
    'authorize.destination': 'Agreeing or cancelling takes you back to: {origin}',
    'authorize.allow': 'Agree and continue',
    'authorize.deny': 'Do not agree',
    'authorize.working': 'Working…',
    'authorize.invalidHeading': 'Invalid sign-in request',
    'authorize.invalidText': 'The service that asked could not be confirmed, so this request was not processed. Please sign in again from the service you were using.',
    'authorize.missing': 'The request lacks: {names}.',
    'authorize.entitlementHeading': 'Non-face-to-face certification needed',
    'authorize.entitlementText': '{client} is open only to members entitled to the {entitlement}. Become a full member by Incheon citizen or Incheon student certification to use it.',
    'authorize.entitlementAfter': 'When you are done, press "Back to the sign-in request" to return here.',
    'authorize.certify': 'Get certified',
    'authorize.returnLabel': 'Sign-in request in progress',
    'authorize.returnText': 'A sign-in request from {client} is waiting.',
    'authorize.return': 'Back to the sign-in request',
    'authorize.cancel': 'Cancel and go back to the service',
    'authorize.leaving': 'Going to {client}…',
    'authorize.unknownClient': 'The service',
  },
});

/**
 * The page's hook for `app.js`: null unless the document is the authorization page; otherwise
 * `route(path, params, screen)`, which renders the authorization at `#/` (and no fragment) and any other
 * screen of the web client (sign-in, certification) under a way back to the authorization.
 */
export function authorizePage(app) {
  if (location.pathname !== AUTHORIZE_PATH) return null;
  const query = new URLSearchParams(location.search);
  const client = clientInfo(query.get('client_id'));
  const banner = returnBanner(app, query, client);
  return {
    route(path, params, screen) {
      banner.hidden = path === '/';
      banner.back.hidden = !session.signedIn();
      // The language hooks are the screen's: each route starts them anew.
      app.onLanguage(banner.node, banner.relabel);
      if (path === '/') return renderAuthorization(app, query, client);
      return screen(params);
    },
  };
}

/** The client's public registration (name, scopes, requirements), or null when it cannot be read. */
async function clientInfo(clientId) {
  if (!clientId) return null;
  const answer = await request('GET', `/v1/oauth2/clients/${encodeURIComponent(clientId)}`);
  if (answer.ok) return answer.body;
  return answer.status === 404 ? { unknown: true } : null;
}

function clientName(info) {
  const name = info?.name;
  if (!name) return t('authorize.unknownClient');
  return (language() === 'en' ? name.en : name.ko) || name.ko || name.en;
}

/** Text with the client's name in it, re-labelled when the language changes. */
function withClient(app, tag, key, info, props = {}, extra = {}) {
  const node = h(tag, { ...props, text: t(key, { client: clientName(info), ...extra }) });
  app.onLanguage(node, () => {
    node.textContent = t(key, { client: clientName(info), ...extra });
  });
  return node;
}

/**
 * Above <main> on the sign-in and certification screens: which service waits, the way back to its
 * authorization (once signed in), and cancelling, which declines (no sign-in needed for that).
 */
function returnBanner(app, query, client) {
  const text = h('p', { class: 'authorize-return-text' });
  const labelId = uid('authorize-return');
  const back = h('a', { class: 'button primary', href: '#/', i18n: 'authorize.return' });
  const cancel = h('button', { type: 'button', class: 'button', i18n: 'authorize.cancel' });
  const node = h(
    'aside',
    { class: 'authorize-return', hidden: true, attrs: { 'aria-labelledby': labelId } },
    h('h2', { id: labelId, class: 'visually-hidden', i18n: 'authorize.returnLabel' }),
    text,
    h('div', { class: 'actions' }, back, cancel),
  );
  app.main.before(node);
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    const answer = await request('POST', '/v1/oauth2/authorizations', { body: { ...authorizationBody(query).body, decision: 'decline' } });
    cancel.disabled = false;
    if (answer.ok && typeof answer.body?.redirectTo === 'string') {
      leave(app, await client, answer.body.redirectTo);
      return;
    }
    // The service cannot be answered (an unknown client or redirect URI): the authorization says why.
    app.navigate('#/');
  });
  let info = null;
  const relabel = () => {
    text.textContent = t('authorize.returnText', { client: clientName(info) });
  };
  relabel();
  client.then((found) => {
    info = found;
    relabel();
  });
  return {
    node,
    back,
    relabel,
    set hidden(value) {
      node.hidden = value;
    },
  };
}

/** The API's body for this request, or the names of the required parameters it lacks. */
function authorizationBody(query) {
  const body = {};
  for (const [param, field] of Object.entries(FORWARDED)) {
    const value = query.get(param);
    if (value !== null) body[field] = value;
  }
  const missing = ['client_id', 'redirect_uri'].filter((param) => !query.get(param));
  return { body, missing };
}

function freshSignInKey(query) {
  return `${query.get('client_id')} ${query.get('state') ?? ''}`;
}

function prompts(query) {
  return (query.get('prompt') ?? '').split(' ');
}

/** `prompt=login`: the member signs in again once for this request, even when already signed in. */
function needsFreshSignIn(query) {
  if (!prompts(query).includes('login')) return false;
  return sessionStorage.getItem(FRESH_SIGN_IN) !== freshSignInKey(query);
}

/** To the web client's sign-in, which comes back to `#/`; `prompt=login` ends the tab's sign-in first. */
async function signIn(app, query) {
  if (needsFreshSignIn(query)) {
    sessionStorage.setItem(FRESH_SIGN_IN, freshSignInKey(query));
    await signOut(app);
  }
  app.navigate('#/login?next=/');
}

async function signOut(app) {
  const token = session.access();
  if (token) await request('DELETE', '/v1/sessions/current', { token });
  session.forget();
  app.refreshNav();
}

async function renderAuthorization(app, query, client) {
  const { body, missing } = authorizationBody(query);
  if (missing.length) {
    renderInvalid(app, t('authorize.missing', { names: missing.join(', ') }));
    return;
  }
  const info = await client;
  if (info?.unknown) {
    renderInvalid(app, null);
    return;
  }
  if (!session.signedIn() || needsFreshSignIn(query)) {
    if (prompts(query).includes('none')) answerWithoutSignIn(app, query, info);
    else signIn(app, query);
    return;
  }
  const me = await memberRequest('GET', '/v1/members/me');
  if (me.status === 401) {
    session.forget();
    app.refreshNav();
    if (prompts(query).includes('none')) answerWithoutSignIn(app, query, info);
    else signIn(app, query);
    return;
  }
  const member = me.ok ? me.body : null;
  const lacking = (info?.requires ?? []).find((entitlement) => member && !member.entitlements?.[entitlement]);
  if (lacking) {
    renderEntitlementNeeded(app, query, info, lacking);
    return;
  }
  renderConsent(app, query, info, member, body);
}

/** `prompt=none` while signed out: no screen may be shown; the API answers `login_required`. */
async function answerWithoutSignIn(app, query, info) {
  const answer = await request('POST', '/v1/oauth2/authorizations', { body: authorizationBody(query).body });
  if (answer.ok && typeof answer.body?.redirectTo === 'string') {
    leave(app, info, answer.body.redirectTo);
    return;
  }
  renderInvalid(app, answer.body?.detail);
}

function renderInvalid(app, detail) {
  showScreen(
    app.main,
    'authorize.invalidHeading',
    h(
      'div',
      { class: 'screen narrow' },
      h('h1', { i18n: 'authorize.invalidHeading' }),
      h('p', { i18n: 'authorize.invalidText' }),
      detail ? h('p', { class: 'note', text: detail }) : null,
    ),
  );
}

function renderConsent(app, query, info, member, body) {
  const alert = alertBox();
  const scopes = (query.get('scope') ?? '').split(' ').filter((scope) => SCOPES.includes(scope));
  const listId = uid('authorize-scopes');
  const allow = h('button', { type: 'button', class: 'button primary', i18n: 'authorize.allow' });
  const deny = h('button', { type: 'button', class: 'button', i18n: 'authorize.deny' });
  const actions = h('div', { class: 'actions' }, allow, deny);
  const other = h('button', {
    type: 'button',
    class: 'link',
    i18n: 'authorize.otherAccount',
    on: {
      click: async () => {
        await signOut(app);
        signIn(app, query);
      },
    },
  });

  const decide = async (decision) => {
    allow.disabled = true;
    deny.disabled = true;
    actions.setAttribute('aria-busy', 'true');
    fillAlert(alert, {});
    const answer = await memberRequest('POST', '/v1/oauth2/authorizations', { ...body, decision });
    if (answer.ok && typeof answer.body?.redirectTo === 'string') {
      leave(app, info, answer.body.redirectTo);
      return;
    }
    allow.disabled = false;
    deny.disabled = false;
    actions.removeAttribute('aria-busy');
    const code = answer.body?.code;
    if (answer.status === 401) {
      session.forget();
      app.refreshNav();
      signIn(app, query);
    } else if (code === 'sso.entitlement_required') {
      renderEntitlementNeeded(app, query, info, answer.body.entitlement ?? 'eLibrary');
    } else if (code === 'sso.invalid_client') {
      renderInvalid(app, answer.body.detail);
    } else {
      fillAlert(alert, { title: answer.body?.title ?? t('error.summary'), detail: answer.body?.detail });
      alert.tabIndex = -1;
      alert.focus();
    }
  };
  allow.addEventListener('click', () => decide('approve'));
  deny.addEventListener('click', () => decide('decline'));

  const origin = redirectOrigin(query.get('redirect_uri'));
  showScreen(
    app.main,
    'authorize.heading',
    h(
      'div',
      { class: 'screen narrow authorize' },
      h('h1', { i18n: 'authorize.heading' }),
      withClient(app, 'p', 'authorize.asks', info, { class: 'lead' }),
      member
        ? h(
            'dl',
            { class: 'summary' },
            h('dt', { i18n: 'authorize.signedInAs' }),
            h('dd', { text: `${member.name} (${member.username})` }),
          )
        : null,
      h('p', {}, other),
      withClient(app, 'p', 'authorize.shares', info, { id: listId }),
      h('ul', { class: 'scopes', attrs: { 'aria-labelledby': listId } }, ...scopes.map((scope) => h('li', { i18n: `authorize.scope.${scope}`, attrs: { 'data-scope': scope } }))),
      origin ? h('p', { class: 'note', i18n: 'authorize.destination', params: { origin } }) : null,
      alert,
      actions,
    ),
  );
}

function renderEntitlementNeeded(app, query, info, entitlement) {
  const body = authorizationBody(query).body;
  const alert = alertBox();
  const deny = h('button', { type: 'button', class: 'button', i18n: 'authorize.deny' });
  deny.addEventListener('click', async () => {
    deny.disabled = true;
    const answer = await memberRequest('POST', '/v1/oauth2/authorizations', { ...body, decision: 'decline' });
    deny.disabled = false;
    if (answer.ok && typeof answer.body?.redirectTo === 'string') {
      leave(app, info, answer.body.redirectTo);
      return;
    }
    fillAlert(alert, { title: answer.body?.title ?? t('error.summary'), detail: answer.body?.detail });
    alert.tabIndex = -1;
    alert.focus();
  });
  const entitlementName = () => t(`entitlement.${entitlement}`);
  const text = h('p', { text: t('authorize.entitlementText', { client: clientName(info), entitlement: entitlementName() }) });
  app.onLanguage(text, () => {
    text.textContent = t('authorize.entitlementText', { client: clientName(info), entitlement: entitlementName() });
  });
  showScreen(
    app.main,
    'authorize.entitlementHeading',
    h(
      'div',
      { class: 'screen narrow authorize' },
      h('h1', { i18n: 'authorize.entitlementHeading' }),
      text,
      h('p', { class: 'note', i18n: 'authorize.entitlementAfter' }),
      alert,
      h('div', { class: 'actions' }, h('a', { class: 'button primary', href: '#/certify', i18n: 'authorize.certify' }), deny),
    ),
  );
}

/** Hands the member back to the service, at the address the API answered. */
function leave(app, info, redirectTo) {
  sessionStorage.removeItem(FRESH_SIGN_IN);
  showScreen(
    app.main,
    'authorize.heading',
    h('div', { class: 'screen narrow' }, withClient(app, 'h1', 'authorize.leaving', info, { attrs: { 'aria-live': 'polite' } })),
  );
  location.assign(redirectTo);
}

function redirectOrigin(uri) {
  try {
    return new URL(uri).origin;
  } catch {
    return null;
  }
}
