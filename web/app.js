// The page: header, menu, language switch, and the screens by the address's fragment (#/signup,
// #/login, #/me, #/certify, ...), so that the server serves one document at `/`. A screen is one
// entry of SCREENS: another module adds its own with `addScreen`.

import { logout, renderFindUsername, renderLogin, renderMe, renderResetPassword } from './account.js';
import { session } from './api.js';
import { authorizePage } from './authorize.js';
import { renderCitizen, renderGuide, renderStudent } from './certification.js';
import { focusHeading, h, showScreen } from './dom.js';
import { idleLogout } from './idle.js';
import { language, onLanguageChange, relabel, setLanguage, t } from './i18n.js';
import { renderEdit, renderPassword, renderRenewal, renderUpgrade, renderWithdraw } from './manage.js';
import { clearWhenEdited, rewriteProblems } from './problems.js';
import { renderSignup } from './signup.js';

const main = document.getElementById('main');
const nav = document.getElementById('site-nav');
const switcher = document.getElementById('language-switch');

/** Language hooks of what is on screen: values that are not plain keys (library names). */
let languageHooks = [];

const idle = idleLogout({ onTimeout: ({ automatic }) => logout(app, { reason: automatic ? 'autoLoggedOut' : undefined }) });

const app = {
  main,
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** Shows `hash` in place of the current address (no history entry: Back skips it). */
  redirect(hash) {
    history.replaceState(null, '', hash);
    route();
  },
  refreshNav: renderNav,
  onLanguage(node, hook) {
    languageHooks.push({ node, hook });
  },
  logout: () => logout(app),
  /** A sign-in happened: the menu changes and the inactivity clock starts. */
  signedIn() {
    renderNav();
    idle.start();
  },
  /** The session is over (`reasonKey`, `login.<reason>`, says why): tokens gone, the sign-in screen. */
  signedOut(reasonKey, next = '/me', username) {
    session.forget();
    idle.stop();
    renderNav();
    const query = new URLSearchParams({ reason: reasonKey.replace(/^login\./, ''), next });
    if (username) query.set('username', username);
    app.navigate(`#/login?${query}`);
  },
  /** The session is over and the screen says so itself (withdrawal). */
  signedOutQuietly() {
    idle.stop();
    renderNav();
  },
};

const SCREENS = {
  '/': renderHome,
  '/signup': (params) => renderSignup(app, 'type', params),
  '/signup/terms': () => renderSignup(app, 'terms'),
  '/signup/identity': () => renderSignup(app, 'identity'),
  '/signup/info': () => renderSignup(app, 'info'),
  '/signup/done': () => renderSignup(app, 'done'),
  '/login': (params) => renderLogin(app, params),
  '/me': () => renderMe(app),
  '/me/edit': () => renderEdit(app),
  '/me/password': () => renderPassword(app),
  '/me/renew': () => renderRenewal(app),
  '/me/withdraw': () => renderWithdraw(app),
  '/me/upgrade': () => renderUpgrade(app),
  '/certify': () => renderGuide(app),
  '/certify/citizen': () => renderCitizen(app),
  '/certify/student': () => renderStudent(app),
  '/find-username': () => renderFindUsername(app),
  '/reset-password': () => renderResetPassword(app),
};

// The single sign-on authorization page (/oauth2/authorize) is this document too; it routes its own `#/`.
const authorize = authorizePage(app);

/** Adds a screen at `path` (`/authorize`): `render(app, params)` draws it. */
export function addScreen(path, render) {
  SCREENS[path] = (params) => render(app, params);
}

function currentPath() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  const [path, query] = raw.split('?');
  return { path: SCREENS[path] ? path : '/', params: new URLSearchParams(query ?? '') };
}

function route() {
  languageHooks = [];
  const { path, params } = currentPath();
  renderNav();
  // While a screen asks the service for what it shows, the page says it is busy.
  main.setAttribute('aria-busy', 'true');
  const shown = authorize ? authorize.route(path, params, SCREENS[path]) : SCREENS[path](params);
  return Promise.resolve(shown).finally(() => main.removeAttribute('aria-busy'));
}

function renderNav() {
  const { path } = currentPath();
  const link = (href, key) =>
    h('li', {}, h('a', { href: `#${href}`, i18n: key, attrs: { 'aria-current': path === href ? 'page' : undefined } }));
  const items = session.signedIn()
    ? [
        link('/me', 'nav.me'),
        session.dormant() ? null : link('/certify', 'nav.certify'),
        h('li', {}, h('button', { type: 'button', class: 'link', i18n: 'nav.logout', on: { click: () => app.logout() } })),
      ]
    : [
        link('/login', 'nav.login'),
        link('/signup', 'nav.signup'),
        link('/find-username', 'nav.findUsername'),
        link('/reset-password', 'nav.resetPassword'),
        link('/certify', 'nav.certify'),
      ];
  nav.replaceChildren(h('ul', {}, ...items));
}

function renderHome() {
  const card = (href, titleKey, hintKey, primary) =>
    h(
      'li',
      { class: 'card' },
      h('a', { class: primary ? 'button primary' : 'button', href, i18n: titleKey }),
      hintKey ? h('p', { class: 'note', i18n: hintKey }) : null,
    );
  showScreen(
    main,
    'home.heading',
    h(
      'div',
      { class: 'screen' },
      h('h1', { i18n: 'home.heading' }),
      h('p', { class: 'lead', i18n: 'home.lead' }),
      h(
        'ul',
        { class: 'cards' },
        card('#/signup', 'home.signup', 'home.signupHint', true),
        card(session.signedIn() ? '#/me' : '#/login', session.signedIn() ? 'nav.me' : 'home.login', 'home.loginHint', false),
        card('#/certify', 'home.certify', 'home.certifyHint', false),
      ),
    ),
  );
}

function labelSwitcher() {
  // The button names the other language, in that language.
  const other = language() === 'ko' ? 'en' : 'ko';
  switcher.lang = other;
  switcher.textContent = t('site.switch');
}

switcher.addEventListener('click', () => {
  setLanguage(language() === 'ko' ? 'en' : 'ko');
});

onLanguageChange(() => {
  labelSwitcher();
  languageHooks = languageHooks.filter(({ node }) => node.isConnected);
  for (const { hook } of languageHooks) hook();
  rewriteProblems();
  const titleKey = document.body.dataset.screenTitle;
  if (titleKey) document.title = `${t(titleKey)} | ${t('site.title')}`;
});

document.querySelector('.skip-link').addEventListener('click', (event) => {
  // The fragment names screens, so the skip link moves focus itself.
  event.preventDefault();
  focusHeading(main.querySelector('h1') ?? main);
});

clearWhenEdited(document.body);
window.addEventListener('hashchange', route);
relabel(document);
labelSwitcher();
if (session.signedIn()) idle.start();
// On arrival focus stays at the start of the document (the skip link comes first); from then on
// each new screen moves it to its heading.
Promise.resolve(route()).finally(() => {
  document.body.dataset.ready = 'true';
  // The first screen is drawn and answers input: what the load measurement reads (tests/e2e/metrics).
  performance.mark('membership:interactive');
});
